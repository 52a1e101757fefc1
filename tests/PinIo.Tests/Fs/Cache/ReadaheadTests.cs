using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>mm/readahead.c's window: it grows on sequential reads and stays off on random ones (counted in device bios).</summary>
public sealed class ReadaheadTests : PinBalancedTest
{
    private const int FilePages = 512;

    [Fact]
    public async Task ASequentialReader_GrowsTheWindow_SoDeviceReadsAreFarFewerThanPages()
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Format(disk);
        await WriteFileAsync(volume);
        using VolumeFile file = volume.Open("f");
        long biosBefore = disk.BiosSubmitted;
        byte[] page = new byte[4096];
        for (long at = 0; at < FilePages * 4096L; at += 4096)
        {
            Assert.Equal(4096, await file.ReadBufferedAsync(at, page));
            Assert.Equal(Data(4096, (int)(at % 100)), page);
        }
        PageCacheStats stats = volume.PageCacheStats;
        long bios = disk.BiosSubmitted - biosBefore;
        // Windows 4, 16, 32, 64, 128, 256, 12: 7 fills for 512 pages (bios may split a fill further).
        Assert.True(stats.DeviceReads <= 8, $"{stats.DeviceReads} fills for {FilePages} sequential pages: the window did not grow");
        Assert.True(stats.ReadaheadPages >= FilePages - 8, $"only {stats.ReadaheadPages} pages read ahead");
        Assert.True(bios < FilePages / 8, $"{bios} device bios for {FilePages} pages read one at a time");
    }

    [Fact]
    public async Task ARandomReader_ReadsOnlyThePagesItAsksFor()
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Format(disk);
        await WriteFileAsync(volume);
        using VolumeFile file = volume.Open("f");
        var random = new Random(7);
        var seen = new HashSet<long>();
        byte[] page = new byte[4096];
        for (int i = 0; i < 100; i++)
        {
            long index;
            do
            {
                // Never next to a page read before, so no read looks sequential.
                index = 1 + random.Next(FilePages - 2);
            }
            while (seen.Contains(index) || seen.Contains(index - 1) || seen.Contains(index + 1));
            seen.Add(index);
            await file.ReadBufferedAsync(index * 4096, page);
        }
        PageCacheStats stats = volume.PageCacheStats;
        Assert.Equal(0, stats.ReadaheadPages);
        Assert.Equal(100, stats.DeviceReads);
        Assert.Equal(100 * 4096L, stats.CachedBytes);
    }

    [Fact]
    public void TheWindow_StartsAtFourTimesASmallRequest_GrowsToTheMaximum_AndResetsOnARandomMiss()
    {
        var ra = new ReadaheadState();
        Assert.Equal(4, ra.OnMiss(0, 1));
        Assert.Equal(16, ra.OnMiss(4, 1));
        Assert.Equal(32, ra.OnMiss(20, 1));
        Assert.Equal(64, ra.OnMiss(52, 1));
        Assert.Equal(128, ra.OnMiss(116, 1));
        Assert.Equal(256, ra.OnMiss(244, 1));
        Assert.Equal(512, ra.OnMiss(500, 1));
        Assert.Equal(1024, ra.OnMiss(1012, 1));
        Assert.Equal(ReadaheadState.MaxPages, ra.OnMiss(2036, 1));
        Assert.Equal(ReadaheadState.MaxPages, ra.OnMiss(2036 + ReadaheadState.MaxPages, 1));
        Assert.Equal(1, ra.OnMiss(100000, 1));
        Assert.Equal(3, ra.OnMiss(5000, 3));
    }

    /// <summary>POSIX_FADV_RANDOM turns read-ahead off: a sequential reader reads only what it asks for, a page per fill.</summary>
    [Fact]
    public async Task RandomAdvice_TurnsReadaheadOff_EvenForASequentialReader()
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Format(disk);
        await WriteFileAsync(volume);
        using VolumeFile file = volume.Open("f");
        file.Advise(FileAccessAdvice.Random);
        byte[] page = new byte[4096];
        for (long at = 0; at < 64 * 4096L; at += 4096)
        {
            Assert.Equal(4096, await file.ReadBufferedAsync(at, page));
            Assert.Equal(Data(4096, (int)(at % 100)), page);
        }
        PageCacheStats stats = volume.PageCacheStats;
        Assert.Equal(0, stats.ReadaheadPages);
        Assert.Equal(64, stats.DeviceReads);
    }

    /// <summary>POSIX_FADV_SEQUENTIAL skips the ramp: the first sequential miss reads the largest window (as far as the cache lets one fill go).</summary>
    [Fact]
    public async Task SequentialAdvice_ReadsTheLargestWindowAtTheFirstMiss()
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Format(disk, cacheBytes: 16 << 20);
        await WriteFileAsync(volume);
        using VolumeFile file = volume.Open("f");
        file.Advise(FileAccessAdvice.Sequential);
        byte[] page = new byte[4096];

        Assert.Equal(4096, await file.ReadBufferedAsync(0, page));

        // Without the advice the first miss reads a window of four pages.
        Assert.True(volume.PageCacheStats.CachedBytes >= (FilePages - 1) * 4096L, $"{volume.PageCacheStats.CachedBytes} bytes cached after the first read");
        await Assert.ThrowsAsync<DirectIoException>(() => Task.Run(() => file.Advise((FileAccessAdvice)7)));
    }

    private static async Task WriteFileAsync(Volume volume)
    {
        using VolumeFile file = volume.Create("f");
        for (long at = 0; at < FilePages * 4096L; at += 4096)
        {
            await WriteAsync(file, at, Data(4096, (int)(at % 100)));
        }
        await file.FlushAsync();
    }
}
