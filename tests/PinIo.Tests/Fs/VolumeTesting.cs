using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>Devices and I/O helpers for the Volume tests.</summary>
internal static class VolumeTesting
{
    /// <summary>What every fresh test device holds: a byte no test ever writes, so any read of it is stale data.</summary>
    public const byte Stale = 0xA5;

    public const int Block = 4096;

    /// <summary>A RAM disk pre-filled with <see cref="Stale"/>.</summary>
    public static RamDisk StaleDisk(long bytes = 4 << 20, int logicalBlock = 512)
    {
        var disk = new RamDisk(bytes, new QueueLimits { LogicalBlockSize = logicalBlock });
        byte[] fill = new byte[64 * 1024];
        Array.Fill(fill, Stale);
        for (long at = 0; at < bytes; at += fill.Length)
        {
            disk.WriteRaw(at, fill.AsSpan(0, (int)Math.Min(fill.Length, bytes - at)));
        }
        return disk;
    }

    /// <summary>Bytes that never hold <see cref="Stale"/>: 1 + (i + seed) % 100.</summary>
    public static byte[] Data(int length, int seed)
    {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (byte)(1 + (i + seed) % 100);
        }
        return data;
    }

    /// <summary>Extends a file model with zeroes to <paramref name="length"/> bytes (a file grown by truncate or a write past its end).</summary>
    public static void Grow(List<byte> model, long length)
    {
        while (model.Count < length)
        {
            model.Add(0);
        }
    }

    public static async Task<long> WriteAsync(VolumeFile file, long offset, byte[] data)
    {
        Memory<byte> buffer = BlockMemory.Aligned(data.Length);
        data.CopyTo(buffer);
        return await file.WriteAsync(offset, IovIter.User(IterDirection.Source, buffer));
    }

    /// <summary>Reads <paramref name="length"/> bytes (a multiple of 512) and returns what came back, trimmed to the bytes read.</summary>
    public static async Task<byte[]> ReadAsync(VolumeFile file, long offset, int length)
    {
        Memory<byte> buffer = BlockMemory.Aligned(Math.Max(length, file.Device.Limits.LogicalBlockSize));
        long n = await file.ReadAsync(offset, IovIter.User(IterDirection.Dest, buffer[..length]));
        return buffer[..(int)n].ToArray();
    }

    /// <summary>The whole file, read in 64 KiB pieces.</summary>
    public static async Task<byte[]> ReadAllAsync(VolumeFile file)
    {
        var all = new List<byte>();
        long length = file.Length;
        int block = file.Device.Limits.LogicalBlockSize;
        for (long at = 0; at < length; at += 65536)
        {
            int want = (int)Math.Min(65536, (length - at + block - 1) / block * block);
            all.AddRange(await ReadAsync(file, at, want));
        }
        return [.. all];
    }

    public static void AssertConsistent(Volume volume)
    {
        IReadOnlyList<string> findings = volume.Check();
        Assert.True(findings.Count == 0, "Check found: " + string.Join(Environment.NewLine, findings));
    }
}
