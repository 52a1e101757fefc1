using System.Buffers.Binary;
using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary>
/// The power-cut mode of <see cref="FaultDevice"/>: writes are acknowledged from a volatile
/// cache, reach the device at a flush (or early, by chance), and a cut keeps a random, possibly
/// torn, subset of the rest. Whatever the seed, every sector holds what was flushed or a later
/// write of it — never garbage, never an older write.
/// </summary>
public sealed class FaultDevicePowerCutTests : PinBalancedTest
{
    private const int Sector = QueueLimits.SectorSize;
    private const int DiskBytes = 128 * 1024;

    [Fact]
    public async Task AWrite_IsReadBackFromTheCache_AndReachesTheDiskOnlyAtAFlush()
    {
        using var disk = new RamDisk(DiskBytes);
        using var device = new FaultDevice(disk, new FaultOptions { PowerCut = new PowerCutOptions() }, leaveInnerOpen: true);
        Memory<byte> data = BlockMemory.Aligned(8192);
        TestPattern.Fill(data.Span, seed: 11);
        byte[] expected = data.ToArray();

        await DirectIo.WriteAsync(device, 4096, IovIter.User(IterDirection.Source, data));
        data.Span.Fill(0xEE);
        Memory<byte> back = BlockMemory.Aligned(16384);
        await DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, back));
        byte[] onDisk = new byte[8192];
        disk.ReadRaw(4096, onDisk);

        TestPattern.AssertBytes(expected, back.Span.Slice(4096, 8192), "a read through the cache");
        Assert.All(onDisk, b => Assert.Equal(0, b));
        Assert.Equal(8192, device.UnflushedBytes);

        await DirectIo.FlushAsync(device);
        disk.ReadRaw(4096, onDisk);
        TestPattern.AssertBytes(expected, onDisk, "the disk after a flush");
        Assert.Equal(0, device.UnflushedBytes);
        Assert.Equal(0, device.Cut().Writes);
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline, 512)]
    [InlineData(RamDiskCompletion.Worker, 512)]
    [InlineData(RamDiskCompletion.Inline, 4096)]
    public async Task AfterACut_EverySectorHoldsWhatWasFlushedOrALaterWrite_AcrossSeeds(RamDiskCompletion completion, int logicalBlock)
    {
        int torn = 0, dropped = 0, kept = 0, early = 0;
        for (int seed = 0; seed < 150; seed++)
        {
            var limits = new QueueLimits { LogicalBlockSize = logicalBlock, MaxSectorsBytes = 16 * 1024 };
            using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Limits = limits, Completion = completion });
            FaultCutResult result = await RunAndCut(seed, disk, () =>
            {
                byte[] onDisk = new byte[DiskBytes];
                disk.ReadRaw(0, onDisk);
                return onDisk;
            }, $"{completion}, {logicalBlock}-byte blocks", e => early += e);
            torn += result.WritesTorn;
            dropped += result.WritesDropped;
            kept += result.WritesKept;
        }

        Assert.True(torn > 0 && dropped > 0 && kept > 0 && early > 0, $"torn {torn}, dropped {dropped}, kept {kept}, written back early {early}: every outcome should occur");
    }

    /// <summary>Random writes, flushes and reads on one seed, then a cut; checks every sector against the model.</summary>
    [Theory]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Libaio)]
    public async Task AfterACut_AFileReopenedHoldsWhatWasFlushedOrALaterWrite(IoEngine engine)
    {
        using var dir = new TempDirectory();
        string path = dir.File("cut");
        int torn = 0;
        for (int seed = 0; seed < 12; seed++)
        {
            File.Delete(path);
            using var file = FileDevice.Open(path, new FileDeviceOptions { Engine = engine, Create = true, InitialSize = DiskBytes, BufferPoolBytes = 0 });
            // The file is read back by a new open, as after a reboot.
            FaultCutResult result = await RunAndCut(seed, file, () => File.ReadAllBytes(path), $"file, {engine}", _ => { });
            torn += result.WritesTorn;
        }
        Assert.True(torn > 0, "no cut tore a write");
    }

    private static async Task<FaultCutResult> RunAndCut(int seed, IBlockDevice disk, Func<byte[]> readBack, string what, Action<int> countEarly)
    {
        int logicalBlock = disk.Limits.LogicalBlockSize;
        using var device = new FaultDevice(disk, new FaultOptions { Seed = (ulong)seed, PowerCut = new PowerCutOptions { EarlyWriteBack = seed % 3 * 0.25 } }, leaveInnerOpen: true);
        var random = new Random(seed);
        var model = new SectorModel(DiskBytes / Sector);
        // Native memory (a kvec): no pins per I/O, so many seeds run fast; the caller-memory case is the test above.
        using var buffer = new BlockNativeBuffer(32 * 1024);
        int units = DiskBytes / logicalBlock;
        for (int op = 0; op < 40; op++)
        {
            int choice = random.Next(10);
            if (choice < 2)
            {
                await DirectIo.FlushAsync(device);
                model.Flush();
                continue;
            }
            int first = random.Next(units);
            int count = random.Next(1, Math.Min(units - first, 32 * 1024 / logicalBlock) + 1);
            Span<byte> span = buffer.Span[..(count * logicalBlock)];
            IovIter Iter(IterDirection direction) => IovIter.Kernel(direction, [new KernelVec(buffer.Address, count * logicalBlock)]);
            long offset = (long)first * logicalBlock;
            if (choice < 8)
            {
                int id = model.Write(offset / Sector, span.Length / Sector);
                SectorModel.Fill(span, id, offset / Sector);
                Assert.Equal(span.Length, await DirectIo.WriteAsync(device, offset, Iter(IterDirection.Source)));
                buffer.Span.Fill(0xEE);
            }
            else
            {
                Assert.Equal(count * logicalBlock, await DirectIo.ReadAsync(device, offset, Iter(IterDirection.Dest)));
                model.CheckLatest(buffer.Span[..(count * logicalBlock)], offset / Sector, $"seed {seed}: a read before the cut");
            }
        }
        countEarly(device.Log.CountOf(FaultAction.WrittenBackEarly));
        FaultCutResult result = device.Cut();
        model.CheckAfterCut(readBack(), $"seed {seed} ({what})");
        return result;
    }

    /// <summary>Which writes each sector has seen, and which of them a flush made durable.</summary>
    private sealed class SectorModel(int sectors)
    {
        private readonly List<int>[] _versions = [.. Enumerable.Range(0, sectors).Select(_ => new List<int> { 0 })];
        private readonly int[] _durable = new int[sectors];
        private int _nextId;

        public int Write(long sector, int count)
        {
            int id = ++_nextId;
            for (long s = sector; s < sector + count; s++)
            {
                _versions[s].Add(id);
            }
            return id;
        }

        public void Flush()
        {
            for (int s = 0; s < _versions.Length; s++)
            {
                _durable[s] = _versions[s].Count - 1;
            }
        }

        public static void Fill(Span<byte> data, int id, long sector)
        {
            for (int i = 0; i < data.Length / Sector; i++)
            {
                SectorBytes(id, sector + i).CopyTo(data.Slice(i * Sector, Sector));
            }
        }

        public void CheckLatest(ReadOnlySpan<byte> data, long sector, string what)
        {
            for (int i = 0; i < data.Length / Sector; i++)
            {
                byte[] latest = SectorBytes(_versions[sector + i][^1], sector + i);
                if (!data.Slice(i * Sector, Sector).SequenceEqual(latest))
                {
                    TestPattern.AssertBytes(latest, data.Slice(i * Sector, Sector), $"{what}, sector {sector + i}");
                }
            }
        }

        public void CheckAfterCut(byte[] disk, string what)
        {
            for (int s = 0; s < _versions.Length; s++)
            {
                ReadOnlySpan<byte> actual = disk.AsSpan(s * Sector, Sector);
                int id = BinaryPrimitives.ReadInt32LittleEndian(actual);
                int at = _versions[s].IndexOf(id);
                if (at < _durable[s])
                {
                    Assert.Fail($"{what}: sector {s} holds write {id}, but write {_versions[s][_durable[s]]} was flushed over it (writes seen: {string.Join(',', _versions[s])})");
                }
                byte[] expected = SectorBytes(id, s);
                if (!actual.SequenceEqual(expected))
                {
                    TestPattern.AssertBytes(expected, actual, $"{what}: sector {s}, write {id}, torn inside a sector");
                }
            }
        }

        private static byte[] SectorBytes(int id, long sector)
        {
            byte[] bytes = new byte[Sector];
            if (id == 0)
            {
                return bytes;
            }
            BinaryPrimitives.WriteInt32LittleEndian(bytes, id);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(4), sector);
            for (int i = 12; i < Sector; i++)
            {
                bytes[i] = (byte)((id * 31) + (sector * 7) + i);
            }
            return bytes;
        }
    }
}
