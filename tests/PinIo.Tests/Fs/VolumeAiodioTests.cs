using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs;

/// <summary>
/// LTP's ltp-aiodio scenarios (dio_sparse, dio_append, dio_truncate), their semantics on a
/// Volume over both Direct I/O paths, on a RAM disk and on a file through the libaio engine:
/// direct readers run while a direct writer fills, appends to or truncates the file, and every
/// byte they see is either zero or the byte written at that offset, never the stale content
/// the device held before (<see cref="VolumeTesting.Stale"/>). Bounded by counts of writes, not by time.
/// </summary>
public sealed class VolumeAiodioTests : PinBalancedTest
{
    private const int Readers = 3;

    private readonly TempDirectory _dir = new();

    /// <summary>What the Volume lies on: a RAM disk, or a file through the libaio engine (LTP's aiodio tests run on native AIO).</summary>
    public enum Backing
    {
        RamDisk,
        LibaioFile,
    }

    /// <summary>
    /// dio_sparse: a file made sparse by growing its size; the writer fills it with direct
    /// writes (1.5 blocks each, so new blocks are partly zeroed) while readers read it whole.
    /// Between rounds the file is punched sparse again.
    /// </summary>
    [Theory]
    [InlineData(DirectIoPath.Iomap, Backing.RamDisk)]
    [InlineData(DirectIoPath.Legacy, Backing.RamDisk)]
    [InlineData(DirectIoPath.Iomap, Backing.LibaioFile)]
    [InlineData(DirectIoPath.Legacy, Backing.LibaioFile)]
    public async Task DioSparse_ReadersSeeOnlyZeroesOrTheWrittenPattern(DirectIoPath path, Backing backing)
    {
        const int FileBytes = 120 * 1024, Chunk = 6144, Rounds = 3;
        using IBlockDevice disk = StaleDevice(backing, 8 << 20);
        using Volume volume = Volume.Format(disk, new VolumeOptions { DirectIoPath = path });
        using VolumeFile file = volume.Create("sparse");
        await file.SetLengthAsync(FileBytes);

        await RunAsync(file, readOffset: () => 0, readLength: FileBytes, async () =>
        {
            Memory<byte> buffer = BlockMemory.Aligned(Chunk);
            for (int round = 0; round < Rounds; round++)
            {
                for (long at = 0; at < FileBytes; at += Chunk)
                {
                    Assert.Equal(Chunk, await WritePatternAsync(file, at, buffer));
                }
                if (round < Rounds - 1)
                {
                    await file.PunchHoleAsync(0, FileBytes);
                }
            }
        });

        Assert.Equal(FileBytes, file.Length);
        AssertIsPattern(await ReadAllAsync(file), 0);
        AssertConsistent(volume);
    }

    /// <summary>
    /// dio_append: the writer appends with direct writes while readers read the last 64 KiB
    /// and past the end (short reads there are fine).
    /// </summary>
    [Theory]
    [InlineData(DirectIoPath.Iomap, Backing.RamDisk)]
    [InlineData(DirectIoPath.Legacy, Backing.RamDisk)]
    [InlineData(DirectIoPath.Iomap, Backing.LibaioFile)]
    [InlineData(DirectIoPath.Legacy, Backing.LibaioFile)]
    public async Task DioAppend_ReadersOfTheTailSeeOnlyZeroesOrTheWrittenPattern(DirectIoPath path, Backing backing)
    {
        const int Appends = 96, Chunk = 6144, Window = 32 * 1024;
        using IBlockDevice disk = StaleDevice(backing, 8 << 20);
        using Volume volume = Volume.Format(disk, new VolumeOptions { DirectIoPath = path });
        using VolumeFile file = volume.Create("append");

        await RunAsync(file, readOffset: () => Math.Max(0, file.Length - Window) / 512 * 512, readLength: Window + Chunk, async () =>
        {
            Memory<byte> buffer = BlockMemory.Aligned(Chunk);
            for (int i = 0; i < Appends; i++)
            {
                Assert.Equal(Chunk, await WritePatternAsync(file, file.Length, buffer));
            }
        });

        Assert.Equal((long)Appends * Chunk, file.Length);
        AssertIsPattern(await ReadAllAsync(file), 0);
        AssertConsistent(volume);
    }

    /// <summary>
    /// dio_truncate: the writer writes the file full and truncates it, again and again, while
    /// readers read it whole. Odd rounds truncate to a size inside a block; every round restarts
    /// the writes 8 KiB past the new size, and that gap must read as zeroes.
    /// </summary>
    [Theory]
    [InlineData(DirectIoPath.Iomap, Backing.RamDisk)]
    [InlineData(DirectIoPath.Legacy, Backing.RamDisk)]
    [InlineData(DirectIoPath.Iomap, Backing.LibaioFile)]
    [InlineData(DirectIoPath.Legacy, Backing.LibaioFile)]
    public async Task DioTruncate_ReadersSeeOnlyZeroesOrTheWrittenPattern(DirectIoPath path, Backing backing)
    {
        const int FileBytes = 64 * 1024, Chunk = 8192, Rounds = 12, Gap = 8192;
        using IBlockDevice disk = StaleDevice(backing, 8 << 20);
        using Volume volume = Volume.Format(disk, new VolumeOptions { DirectIoPath = path });
        using VolumeFile file = volume.Create("truncate");

        long start = 0, lastStart = 0, down = 0;
        Memory<byte> buffer = BlockMemory.Aligned(Chunk);
        await RunAsync(file, readOffset: () => 0, readLength: FileBytes, async () =>
        {
            for (int round = 0; round < Rounds; round++)
            {
                for (long at = start; at < FileBytes; at += Chunk)
                {
                    Assert.Equal(Chunk, await WritePatternAsync(file, at, buffer));
                }
                down = round % 2 == 0 ? 0 : 5000 + 512 * round;
                await file.SetLengthAsync(down);
                (lastStart, start) = (start, (down + Gap + 511) / 512 * 512);
            }
        });

        // The last round wrote from lastStart on and truncated inside a block; one more write
        // past a gap: the bytes between the truncated size and it (the old data's place) are zero.
        Assert.Equal(Chunk, await WritePatternAsync(file, start, buffer));
        byte[] all = await ReadAllAsync(file);
        Assert.Equal(start + Chunk, all.Length);
        AssertZero(all.AsSpan(0, (int)lastStart), 0);
        AssertIsPattern(all.AsSpan((int)lastStart, (int)(down - lastStart)), lastStart);
        AssertZero(all.AsSpan((int)down, (int)(start - down)), down);
        AssertIsPattern(all.AsSpan((int)start), start);
        AssertConsistent(volume);
    }

    /// <summary>A device of <paramref name="bytes"/> pre-filled with <see cref="VolumeTesting.Stale"/>.</summary>
    private IBlockDevice StaleDevice(Backing backing, int bytes)
    {
        if (backing == Backing.RamDisk)
        {
            return StaleDisk(bytes);
        }
        byte[] stale = new byte[bytes];
        Array.Fill(stale, Stale);
        File.WriteAllBytes(_dir.File("image"), stale);
        FileDevice device = FileDevice.Open(_dir.File("image"), new FileDeviceOptions { Engine = IoEngine.Libaio, QueueDepth = 32, BufferPoolBytes = 0 });
        Assert.Equal(IoEngine.Libaio, device.Engine);
        return device;
    }

    /// <summary>Runs <paramref name="writer"/> while <see cref="Readers"/> readers read the range given, checking every read, until the writer is done.</summary>
    private static async Task RunAsync(VolumeFile file, Func<long> readOffset, int readLength, Func<Task> writer)
    {
        using var done = new CancellationTokenSource();
        Task[] readers = [.. Enumerable.Range(0, Readers).Select(_ => Task.Run(() => ReadUntilAsync(file, readOffset, readLength, done.Token)))];
        try
        {
            await Task.Run(writer);
        }
        finally
        {
            await done.CancelAsync();
            await Task.WhenAll(readers);
        }
    }

    private static async Task ReadUntilAsync(VolumeFile file, Func<long> readOffset, int readLength, CancellationToken done)
    {
        Memory<byte> buffer = BlockMemory.Aligned(readLength);
        while (!done.IsCancellationRequested)
        {
            long offset = readOffset();
            buffer.Span.Fill(Stale);
            long n = await file.ReadAsync(offset, IovIter.User(IterDirection.Dest, buffer), CancellationToken.None);
            AssertZeroOrPattern(buffer.Span[..(int)n], offset);
        }
    }

    /// <summary>The byte every writer puts at <paramref name="offset"/> of the file: never 0, never <see cref="VolumeTesting.Stale"/>.</summary>
    private static byte PatternAt(long offset) => (byte)(1 + offset % 100);

    private static async Task<long> WritePatternAsync(VolumeFile file, long offset, Memory<byte> buffer)
    {
        Span<byte> span = buffer.Span;
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = PatternAt(offset + i);
        }
        return await file.WriteAsync(offset, IovIter.User(IterDirection.Source, buffer));
    }

    private static void AssertZeroOrPattern(ReadOnlySpan<byte> read, long offset)
    {
        for (int i = 0; i < read.Length; i++)
        {
            if (read[i] != 0 && read[i] != PatternAt(offset + i))
            {
                Assert.Fail(Describe(read[i], offset + i, "0 or the pattern"));
            }
        }
    }

    private static void AssertZero(ReadOnlySpan<byte> read, long offset)
    {
        for (int i = 0; i < read.Length; i++)
        {
            if (read[i] != 0)
            {
                Assert.Fail($"byte at file offset {offset + i} is 0x{read[i]:X2}, expected 0");
            }
        }
    }

    private static void AssertIsPattern(ReadOnlySpan<byte> read, long offset)
    {
        for (int i = 0; i < read.Length; i++)
        {
            if (read[i] != PatternAt(offset + i))
            {
                Assert.Fail(Describe(read[i], offset + i, "the pattern"));
            }
        }
    }

    private static string Describe(byte seen, long offset, string expected) =>
        $"byte at file offset {offset} is 0x{seen:X2}, expected {expected} (0x{PatternAt(offset):X2})"
        + (seen == Stale ? ": stale (the device's old content, or a byte the read claimed but did not fill)" : "");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
