using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>
/// mm/readahead.c's asynchronous read-ahead: reading a window's marked page starts the next
/// window's device reads, and the reader does not wait for them; a reader of a page still
/// being read waits for that read alone and does not read it again (counted in device bios,
/// with the RAM disk holding completions).
/// </summary>
public sealed class AsyncReadaheadTests : PinBalancedTest
{
    private const int FilePages = 256;

    [Fact]
    public async Task ReadingTheMarkedPage_StartsTheNextWindow_AndTheReaderDoesNotWaitForIt()
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Format(disk);
        await WriteFileAsync(volume);
        using VolumeFile file = volume.Open("f");
        byte[] page = new byte[4096];
        // A miss at page 0: a synchronous window of 4 pages, pages 1..3 read ahead, page 1 marked.
        Assert.Equal(4096, await file.ReadBufferedAsync(0, page));
        Assert.Equal(1, volume.PageCacheStats.DeviceReads);

        ValueTask<int> waiting;
        using (disk.HoldCompletions())
        {
            long bios = disk.BiosSubmitted;
            for (int index = 1; index < 4; index++)
            {
                ValueTask<int> read = file.ReadBufferedAsync(index * 4096L, page);
                Assert.True(read.IsCompleted, $"the read of cached page {index} waited for read-ahead it did not ask for");
                Assert.Equal(4096, await read);
                Assert.Equal(Data(4096, index * 4096 % 100), page);
            }
            Assert.True(disk.BiosSubmitted > bios, "reading the marked page 1 started no device read of the next window");
            // Two windows ahead: pages 4..19 and 20..51.
            Assert.Equal(3, volume.PageCacheStats.DeviceReads);
            Assert.Equal(3 + 16 + 32, volume.PageCacheStats.ReadaheadPages);

            // Page 4 is under read: its reader waits for that read and issues none of its own.
            long biosBeforeWait = disk.BiosSubmitted;
            waiting = file.ReadBufferedAsync(4 * 4096L, page);
            Assert.False(waiting.IsCompleted, "page 4 was read before its device read completed");
            Assert.Equal(biosBeforeWait, disk.BiosSubmitted);
        }
        Assert.Equal(4096, await waiting);
        Assert.Equal(Data(4096, 4 * 4096 % 100), page);
        // Page 4 was the marker then: entering its window started the one two ahead (pages 52..115).
        Assert.Equal(4, volume.PageCacheStats.DeviceReads);
        Assert.Equal(3 + 16 + 32 + 64, volume.PageCacheStats.ReadaheadPages);
    }

    [Fact]
    public async Task ASequentialReader_ReadsEveryPageRight_WithWindowsAlwaysAhead()
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Format(disk);
        await WriteFileAsync(volume);
        using VolumeFile file = volume.Open("f");
        byte[] chunk = new byte[3 * 4096 + 100];
        long at = 0;
        while (at < FilePages * 4096L)
        {
            int n = await file.ReadBufferedAsync(at, chunk);
            Assert.True(n > 0);
            for (int i = 0; i < n; i += 4096)
            {
                long pos = at + i;
                Assert.Equal(Data(4096, (int)(pos - (pos % 4096)) % 100).AsSpan((int)(pos % 4096), Math.Min(n - i, 4096 - (int)(pos % 4096))).ToArray(), chunk.AsSpan(i, Math.Min(n - i, 4096 - (int)(pos % 4096))).ToArray());
            }
            at += n;
        }
        PageCacheStats stats = volume.PageCacheStats;
        Assert.True(stats.ReadaheadPages >= FilePages - 8, $"only {stats.ReadaheadPages} pages read ahead");
        Assert.True(stats.DeviceReads <= 8, $"{stats.DeviceReads} fills for {FilePages} sequential pages");
    }

    [Fact]
    public void TheMarker_IsTheFirstPageReadAhead_ThenTheFirstPageOfTheWindowBeforeTheNewest()
    {
        var ra = new ReadaheadState();
        Assert.Equal(4, ra.OnMiss(0, 1));
        Assert.Equal(1, ra.Marker);
        Assert.False(ra.TryAdvanceAtMarker(2, out _, out _));
        Assert.True(ra.TryAdvanceAtMarker(1, out long start, out int size));
        Assert.Equal((4L, 16), (start, size));
        // The first marker starts a second window too, then marks the first page of the first.
        Assert.True(ra.TryAdvanceAtMarker(1, out start, out size));
        Assert.Equal((20L, 32), (start, size));
        Assert.Equal(4, ra.Marker);
        Assert.False(ra.TryAdvanceAtMarker(1, out _, out _));
        Assert.True(ra.TryAdvanceAtMarker(4, out start, out size));
        Assert.Equal((52L, 64), (start, size));
        Assert.Equal(20, ra.Marker);
        Assert.Equal(1, ra.OnMiss(1000, 1));
        Assert.Equal(-1, ra.Marker);
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
