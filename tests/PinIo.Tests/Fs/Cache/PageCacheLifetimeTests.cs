using PinIo.Devices;
using PinIo.Fs;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>The cache's memory and its background writeback over a volume's life: nothing leaks, nothing waits forever.</summary>
public sealed class PageCacheLifetimeTests : PinBalancedTest
{
    [Fact]
    public async Task ADisposedVolume_ReturnsEveryCachePage_AndAVolumeUsedOnlyForDirectIoNeverMakesThePool()
    {
        using RamDisk disk = StaleDisk();
        long before = PinStats.PoolPagesInUse;
        using (Volume volume = Format(disk))
        {
            using VolumeFile file = volume.Create("f");
            await WriteAsync(file, 0, Data(8192, 1));
            await ReadAsync(file, 0, 8192);
            Assert.False(volume.PageCache.IsCreated);
            await file.WriteBufferedAsync(0, Data(100_000, 2));
            Assert.True(PinStats.PoolPagesInUse > before);
        }
        Assert.Equal(before, PinStats.PoolPagesInUse);
        Assert.Equal(0, PinStats.LeakedPoolPages);
    }

    [Fact]
    public async Task DeletingAFile_DropsItsCachedPages_DirtyOnesToo()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using (VolumeFile file = volume.Create("f"))
        {
            await file.WriteBufferedAsync(0, Data(20000, 2));
        }
        Assert.True(volume.PageCacheStats.CachedBytes > 0);
        volume.Delete("f");
        Assert.Equal(0, volume.PageCacheStats.CachedBytes);
        await volume.SyncAsync();
        AssertConsistent(volume);
    }

    [Fact]
    public async Task DeletingAFileWhileItsWritebackIsInFlight_WaitsForIt_AndTheVolumeStaysConsistent()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using (VolumeFile file = volume.Create("f"))
        {
            await file.WriteBufferedAsync(0, Data(8192, 1));
        }
        Task sync, delete;
        using (disk.HoldCompletions())
        {
            sync = volume.SyncAsync().AsTask();
            Assert.True(SpinWait.SpinUntil(() => disk.InFlight > 0, TimeSpan.FromSeconds(30)), "the writeback never reached the device");
            delete = Task.Run(() => volume.Delete("f"));
            // Give the deletion every chance to run while the writeback's bio is held.
            await Task.WhenAny(delete, Task.Delay(200));
        }
        await sync;
        await delete;
        Assert.False(volume.Exists("f"));
        await volume.SyncAsync();
        AssertConsistent(volume);
    }

    [Fact]
    public void ANegativeCacheSize_IsEinval()
    {
        using RamDisk disk = StaleDisk();
        var e = Assert.Throws<DirectIoException>(() => Volume.Format(disk, new VolumeOptions { PageCacheBytes = -1 }));
        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Fact]
    public async Task TheBackgroundFlusher_WritesBackDirtyPagesWithoutAFlush()
    {
        using RamDisk disk = StaleDisk();
        // A quarter of 64 pages dirty is the background threshold: 20 dirty pages go at the next
        // wake-up (and stay under half the cache, where the writer would write back itself).
        using Volume volume = Volume.Format(disk, new VolumeOptions { PageCacheBytes = 64 * 4096, WritebackInterval = TimeSpan.FromMilliseconds(10) });
        using VolumeFile file = volume.Create("f");
        await file.WriteBufferedAsync(0, Data(20 * 4096, 3));
        // Waits for the flusher (bounded, so a flusher that never runs fails rather than hangs).
        // Both: writeback clears a page's dirty bit before its write and counts it after.
        for (int i = 0; i < 1000 && (volume.PageCacheStats.DirtyBytes > 0 || volume.PageCacheStats.WritebackPages < 20); i++)
        {
            await Task.Delay(10);
        }
        Assert.Equal(0, volume.PageCacheStats.DirtyBytes);
        Assert.True(volume.PageCacheStats.WritebackPages >= 20);
    }

    [Fact]
    public async Task Stats_CountHitsMissesAndCachedBytes()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        await WriteAsync(file, 0, Data(16384, 1));
        byte[] buffer = new byte[4096];
        await file.ReadBufferedAsync(5000, buffer.AsMemory(0, 10));   // miss: page 1 (and read-ahead)
        await file.ReadBufferedAsync(5000, buffer.AsMemory(0, 10));   // hit
        PageCacheStats stats = volume.PageCacheStats;
        Assert.Equal(1, stats.Misses);
        Assert.Equal(1, stats.Hits);
        Assert.Equal(1, stats.DeviceReads);
        Assert.Equal(4096 + stats.ReadaheadPages * 4096, stats.CachedBytes);
        Assert.Equal(PageCache.DefaultBytes, stats.CapacityBytes);
    }
}
