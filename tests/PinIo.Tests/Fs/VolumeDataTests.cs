using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs;

/// <summary>Direct I/O on a VolumeFile, over both paths: sub-block writes into new blocks, reads bounded by the size, concurrent writers, data across a remount.</summary>
public sealed class VolumeDataTests : PinBalancedTest
{
    [Theory]
    [InlineData(DirectIoPath.Iomap)]
    [InlineData(DirectIoPath.Legacy)]
    public async Task A512ByteWrite_IntoANewBlock_ReadsBackWithTheOther3584BytesZero(DirectIoPath path)
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk, new VolumeOptions { DirectIoPath = path });
        using VolumeFile file = volume.Create("f");
        byte[] data = Data(512, 9);
        await WriteAsync(file, 1024, data);
        Assert.Equal(1536, file.Length);
        await file.SetLengthAsync(4096);
        byte[] back = await ReadAsync(file, 0, 4096);
        Assert.All(back[..1024], x => Assert.Equal(0, x));
        Assert.Equal(data, back[1024..1536]);
        Assert.All(back[1536..], x => Assert.Equal(0, x));

        // On the device, too: the whole block was written, nothing stale left in it.
        byte[] raw = new byte[4096];
        disk.ReadRaw(file.Extents[0].DeviceOffset, raw);
        Assert.DoesNotContain(Stale, raw);
    }

    [Theory]
    [InlineData(DirectIoPath.Iomap)]
    [InlineData(DirectIoPath.Legacy)]
    public async Task AReadNeverReturnsBytesPastTheSize(DirectIoPath path)
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk, new VolumeOptions { DirectIoPath = path });
        using VolumeFile file = volume.Create("f");
        await WriteAsync(file, 0, Data(8192, 1));
        await file.SetLengthAsync(5000);
        Assert.Equal(5000, (await ReadAsync(file, 0, 8192)).Length);
        Assert.Empty(await ReadAsync(file, 8192, 4096));
    }

    [Theory]
    [InlineData(DirectIoPath.Iomap)]
    [InlineData(DirectIoPath.Legacy)]
    public async Task ConcurrentWritersOnOneFile_EachRangeReadsBackItsData(DirectIoPath path)
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Volume.Format(disk, new VolumeOptions { DirectIoPath = path });
        using VolumeFile file = volume.Create("f");
        const int Tasks = 8, Writes = 16, Size = 8192;
        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            for (int w = 0; w < Writes; w++)
            {
                long offset = (long)(w * Tasks + t) * Size;
                Assert.Equal(Size, await WriteAsync(file, offset, Data(Size, t * 100 + w)));
            }
        })));
        Assert.Equal((long)Tasks * Writes * Size, file.Length);
        for (int t = 0; t < Tasks; t++)
        {
            for (int w = 0; w < Writes; w++)
            {
                Assert.Equal(Data(Size, t * 100 + w), await ReadAsync(file, (long)(w * Tasks + t) * Size, Size));
            }
        }
        AssertConsistent(volume);
    }

    [Theory]
    [InlineData(DirectIoPath.Iomap)]
    [InlineData(DirectIoPath.Legacy)]
    public async Task FlushedData_ReadsBackAfterARemount(DirectIoPath path)
    {
        using RamDisk disk = StaleDisk();
        byte[] data = Data(40960, 4);
        using (Volume volume = Volume.Format(disk, new VolumeOptions { DirectIoPath = path }))
        {
            using VolumeFile file = volume.Create("f");
            await WriteAsync(file, 0, data[..20480]);
            await WriteAsync(file, 20480, data[20480..]);
            await file.FlushAsync();
        }
        using Volume again = Volume.Mount(disk, new VolumeOptions { DirectIoPath = path });
        using VolumeFile reopened = again.Open("f");
        Assert.Equal(data, await ReadAllAsync(reopened));
        AssertConsistent(again);
    }

    [Theory]
    [InlineData(DirectIoPath.Iomap)]
    [InlineData(DirectIoPath.Legacy)]
    public async Task ATruncate_WaitsForTheDirectIoInFlight_AndHoldsNewOnesBack(DirectIoPath path)
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk, new VolumeOptions { DirectIoPath = path });
        using VolumeFile file = volume.Create("f");
        await WriteAsync(file, 0, Data(8192, 1));
        Task<long> write;
        Task truncate;
        using (disk.HoldCompletions())
        {
            write = WriteAsync(file, 0, Data(8192, 2));
            truncate = file.SetLengthAsync(0).AsTask();
            // Without inode_dio_wait the truncate frees the blocks under the write at once.
            Assert.False(truncate.IsCompleted, "the truncate did not wait for the write in flight");
        }
        Assert.Equal(8192, await write);
        await truncate;
        Assert.Equal(0, file.Length);
        Assert.Empty(file.Extents);
        AssertConsistent(volume);
    }

    [Theory]
    [InlineData(DirectIoPath.Iomap)]
    [InlineData(DirectIoPath.Legacy)]
    public async Task TwoSubBlockWrites_IntoOneNewBlock_DoNotZeroEachOther(DirectIoPath path)
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk, new VolumeOptions { DirectIoPath = path });
        using VolumeFile file = volume.Create("f");
        byte[] first = Data(512, 1), second = Data(512, 2);
        Task<long> a, b;
        using (disk.HoldCompletions())
        {
            a = WriteAsync(file, 0, first);
            // The second write's zeroing of the block around it must not land over the first's data.
            b = WriteAsync(file, 1024, second);
        }
        await Task.WhenAll(a, b);
        byte[] back = await ReadAsync(file, 0, 2048);
        Assert.Equal(first, back[..512]);
        Assert.All(back[512..1024], x => Assert.Equal(0, x));
        Assert.Equal(second, back[1024..1536]);
        AssertConsistent(volume);
    }

    [Theory]
    [InlineData(DirectIoPath.Iomap)]
    [InlineData(DirectIoPath.Legacy)]
    public async Task AnEioMidWrite_ConvertsOnlyTheBlocksWritten_AndTheSizeStopsThere(DirectIoPath path)
    {
        var limits = new QueueLimits { MaxSectorsBytes = 4096 };
        using var disk = new RamDisk(4 << 20, limits);
        using Volume volume = Volume.Format(disk, new VolumeOptions { DirectIoPath = path });
        using VolumeFile file = volume.Create("f");
        long first = -1;
        // The write into the hole goes as four one-block bios; the third fails.
        disk.FaultInjector = bio =>
        {
            if (bio.Op != BioOp.Write)
            {
                return BlkStatus.Ok;
            }
            first = first < 0 ? bio.Position : first;
            return bio.Position == first + 8192 ? BlkStatus.IoError : BlkStatus.Ok;
        };
        long done = await WriteAsync(file, 0, Data(16384, 3));
        disk.FaultInjector = null;
        Assert.Equal(8192, done);
        Assert.Equal(8192, file.Length);
        await file.SetLengthAsync(16384);
        Assert.Equal(
            [(IomapType.Mapped, 0L, 8192L), (IomapType.Unwritten, 8192L, 8192L)],
            file.Extents.Select(m => (m.Type, m.Offset, m.Length)));
        byte[] back = await ReadAsync(file, 0, 16384);
        Assert.Equal(Data(16384, 3)[..8192], back[..8192]);
        Assert.All(back[8192..], x => Assert.Equal(0, x));
        AssertConsistent(volume);
    }
}
