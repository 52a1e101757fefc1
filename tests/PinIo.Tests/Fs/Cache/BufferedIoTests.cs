using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>Buffered reads and writes through the page cache: round trips, holes, the size, flush and remount.</summary>
public sealed class BufferedIoTests : PinBalancedTest
{
    [Fact]
    public async Task ABufferedWrite_ReadsBackBuffered_BeforeAnyFlush_AndMovesTheSize()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        byte[] data = Data(10000, 3);
        Assert.Equal(10000, await file.WriteBufferedAsync(777, data));
        Assert.Equal(10777, file.Length);
        byte[] back = new byte[20000];
        Assert.Equal(10777, await file.ReadBufferedAsync(0, back));
        Assert.All(back[..777], b => Assert.Equal(0, b));
        Assert.Equal(data, back[777..10777]);
        Assert.True(volume.PageCacheStats.DirtyBytes > 0);
    }

    [Theory]
    [InlineData(DirectIoPath.Iomap, 4096)]
    [InlineData(DirectIoPath.Legacy, 4096)]
    [InlineData(DirectIoPath.Iomap, 16384)]
    public async Task FlushedBufferedData_SurvivesARemount_AndTheVolumeIsConsistent(DirectIoPath path, int blockSize)
    {
        using RamDisk disk = StaleDisk(8 << 20);
        byte[] data = Data(50_001, 5);
        using (Volume volume = Format(disk, path: path, blockSize: blockSize))
        {
            using VolumeFile file = volume.Create("f");
            await file.WriteBufferedAsync(100, data);
            await file.FlushAsync();
            Assert.Equal(0, volume.PageCacheStats.DirtyBytes);
            AssertConsistent(volume);
        }
        using (Volume volume = Volume.Mount(disk, Options(path)))
        {
            using VolumeFile file = volume.Open("f");
            Assert.Equal(50_101, file.Length);
            byte[] back = await ReadAllAsync(file);
            Assert.All(back[..100], b => Assert.Equal(0, b));
            Assert.Equal(data, back[100..]);
            AssertConsistent(volume);
        }
    }

    [Fact]
    public async Task DisposingTheVolume_WritesBackDirtyPages()
    {
        using RamDisk disk = StaleDisk();
        byte[] data = Data(9000, 8);
        using (Volume volume = Format(disk))
        {
            using VolumeFile file = volume.Create("f");
            await file.WriteBufferedAsync(0, data);
        }
        using (Volume volume = Volume.Mount(disk, Options()))
        {
            using VolumeFile file = volume.Open("f");
            Assert.Equal(data, await ReadAllAsync(file));
        }
    }

    [Fact]
    public async Task AHole_ReadsAsZeroes_WithoutADeviceRead()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.SetLengthAsync(1 << 20);
        long bios = disk.BiosSubmitted;
        byte[] back = new byte[1 << 20];
        Assert.Equal(1 << 20, await file.ReadBufferedAsync(0, back));
        Assert.All(back, b => Assert.Equal(0, b));
        Assert.Equal(bios, disk.BiosSubmitted);
    }

    [Fact]
    public async Task AReadStopsAtTheSize()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.WriteBufferedAsync(0, Data(5000, 1));
        byte[] back = new byte[8192];
        Assert.Equal(5000, await file.ReadBufferedAsync(0, back));
        Assert.Equal(0, await file.ReadBufferedAsync(5000, back));
        Assert.Equal(0, await file.ReadBufferedAsync(9000, back));
    }

    [Fact]
    public async Task DelayedAllocation_ReportsEnospcAtTheFlush_KeepsThePagesDirty_AndAFlushAfterSpaceIsFreedWritesThem()
    {
        using RamDisk disk = StaleDisk(2 << 20);
        using Volume volume = Format(disk);
        using VolumeFile big = volume.Create("big");
        await big.AllocateAsync(0, volume.FreeBytes - 8 * 4096);
        await volume.SyncAsync();
        using VolumeFile file = volume.Create("f");
        byte[] data = Data(16 * 4096, 5);
        Assert.Equal(data.Length, await file.WriteBufferedAsync(0, data));     // no blocks needed yet
        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await file.FlushAsync());
        Assert.Equal(Errno.ENOSPC, e.Errno);
        Assert.True(volume.PageCacheStats.DirtyBytes > 0, "the pages that did not fit were dropped as clean");
        await big.SetLengthAsync(0);
        await file.FlushAsync();
        Assert.Equal(0, volume.PageCacheStats.DirtyBytes);
        Assert.Equal(data, await ReadAllAsync(file));
        AssertConsistent(volume);
    }
}
