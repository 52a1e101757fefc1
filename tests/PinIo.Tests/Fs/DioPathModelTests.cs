using CsCheck;
using PinIo.Block;
using PinIo.Devices;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// Random extent layouts (holes, unwritten, mapped blocks holding data) and random
/// logical-block-aligned reads and writes of every memory kind, on each path, against a byte
/// model of the file: every write is done whole, every read returns the model's bytes up to
/// the size and never a stale device byte.
/// </summary>
public sealed class DioPathModelTests : PinBalancedTest
{
    private const int Block = 4096;
    private const int Blocks = 16;
    private const int Sector = 512;
    private const long DiskBytes = 1 << 20;

    private static readonly Gen<(bool Write, int Offset, int Length, int Kind)[]> s_requests =
        Gen.Select(Gen.Bool, Gen.Int[0, 2 * Blocks * Block / Sector], Gen.Int[1, 40], Gen.Int[0, 3]).Array[1, 12];

    private static readonly IterKind[] s_kinds = [IterKind.Iovec, IterKind.Kvec, IterKind.Bvec, IterKind.Pipe];

    /// <summary>Small bios (one page) too, so requests split within blocks; a worker-thread completion so every await is real.</summary>
    [Theory]
    [InlineData(DioPath.Iomap, RamDiskCompletion.Inline, 1280 * 1024)]
    [InlineData(DioPath.Legacy, RamDiskCompletion.Inline, 1280 * 1024)]
    [InlineData(DioPath.Iomap, RamDiskCompletion.Worker, 4096)]
    [InlineData(DioPath.Legacy, RamDiskCompletion.Worker, 4096)]
    public void RandomLayoutsAndRequestsMatchTheByteModel(DioPath path, RamDiskCompletion completion, int maxBioBytes)
    {
        var limits = new QueueLimits { LogicalBlockSize = Sector, MaxSectorsBytes = maxBioBytes };
        Gen.Select(Gen.Int[0, 2].Array[Blocks], Gen.Int[0, Blocks * Block], Gen.Int[0, 1000], s_requests).Sample((layout, size, seed, requests) =>
        {
            using RamDisk disk = DioPathTests.NewDisk(limits, DiskBytes, completion);
            Run(disk, path, layout, size, seed, requests);
        }, iter: completion == RamDiskCompletion.Inline ? 100 : 40, threads: 1);
    }

    private static void Run(RamDisk disk, DioPath path, int[] layout, int size, int seed, (bool Write, int Offset, int Length, int Kind)[] requests)
    {
        using var pool = new PagePool(64);
        var random = new Random(seed);
        var inode = new MemoryInode(disk, Block) { Size = size };
        byte[] model = new byte[4 * Blocks * Block];
        for (int b = 0; b < Blocks; b++)
        {
            if (layout[b] == 0)
            {
                continue;
            }
            inode.Allocate((long)b * Block, Block, unwritten: layout[b] == 1);
            inode.SkipDeviceBlocks(random.Next(0, 2));
            if (layout[b] == 2)
            {
                random.NextBytes(model.AsSpan(b * Block, Block));
                disk.WriteRaw(inode.DeviceOffsetOf((long)b * Block), model.AsSpan(b * Block, Block));
            }
        }
        long fileSize = size;
        foreach ((bool write, int sectorOffset, int sectors, int kind) in requests)
        {
            int offset = sectorOffset * Sector;
            int length = sectors * Sector;
            using DioMemory memory = DioMemory.Create(s_kinds[kind], length, random, pool);
            if (write)
            {
                byte[] data = new byte[length];
                random.NextBytes(data);
                long written = path.WriteAsync(inode, offset, memory.Source(data)).AsTask().GetAwaiter().GetResult();
                Assert.Equal(length, written);
                data.CopyTo(model, offset);
                fileSize = Math.Max(fileSize, offset + length);
                Assert.Equal(fileSize, inode.Size);
            }
            else
            {
                long read = path.ReadAsync(inode, offset, memory.Dest()).AsTask().GetAwaiter().GetResult();
                long expected = Math.Clamp(fileSize - offset, 0, length);
                Assert.Equal(expected, read);
                byte[] back = new byte[read];
                memory.ReadBack(back);
                Assert.Equal(model.AsSpan(offset, (int)read).ToArray(), back);
            }
        }
    }
}
