using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>DropCacheAsync, POSIX_FADV_DONTNEED: dirty pages are written first, clean ones nobody holds leave, the rest stay.</summary>
public sealed class DropCacheTests : PinBalancedTest
{
    [Fact]
    public async Task DirtyPagesAreWrittenThenDropped_AndTheNextReadGoesToTheDevice()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        byte[] data = Data(5 * 4096 + 100, 3);
        await file.WriteBufferedAsync(0, data);
        Assert.True(volume.PageCacheStats.CachedBytes > 0);

        int dropped = await file.DropCacheAsync();

        Assert.Equal(6, dropped);
        Assert.Equal(0, volume.PageCacheStats.CachedBytes);
        long readsBefore = volume.PageCacheStats.DeviceReads;
        Assert.Equal(data, await ReadBufferedAllAsync(file));
        Assert.True(volume.PageCacheStats.DeviceReads > readsBefore, "the read after the drop was served from the cache");
        Assert.Equal(data, await ReadAllAsync(file));   // the writeback reached the device
        AssertConsistent(volume);
    }

    [Fact]
    public async Task APartOfTheFile_AndPagesLentOut_Stay()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.WriteBufferedAsync(0, Data(8 * 4096, 4));
        using (MappedRange mapped = await file.MapAsync(0, 4096))
        {
            // Pages 2..5 of 8, and page 0 is mapped: only 2..5 leave.
            Assert.Equal(4, await file.DropCacheAsync(2 * 4096, 4 * 4096));
            Assert.Equal(0, await file.DropCacheAsync(0, 4096));
            Assert.Equal(4 * 4096, volume.PageCacheStats.CachedBytes);
        }
        Assert.Equal(Data(8 * 4096, 4), await ReadBufferedAllAsync(file));
        AssertConsistent(volume);
    }

    [Fact]
    public async Task ToTheEndOfTheFile_FromAnyOffset_DropsTheRest()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.WriteBufferedAsync(0, Data(4 * 4096, 5));
        await file.FlushAsync();
        // A length that reaches past long.MaxValue means "to the end", as length 0 does.
        Assert.Equal(2, await file.DropCacheAsync(2 * 4096, long.MaxValue));
        Assert.Equal(2, await file.DropCacheAsync(0));
        await Assert.ThrowsAsync<DirectIoException>(() => file.DropCacheAsync(-1).AsTask());
        AssertConsistent(volume);
    }
}
