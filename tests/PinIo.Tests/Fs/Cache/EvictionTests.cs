using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>CLOCK eviction under pressure: a cache smaller than the file serves it, and never drops a page that is mapped, pinned or dirty.</summary>
public sealed class EvictionTests : PinBalancedTest
{
    private const int CachePages = 64;

    [Fact]
    public async Task AFileFourTimesTheCache_ReadsBackCorrectly_WithConcurrentReaders_AndEvictions()
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Format(disk, cacheBytes: CachePages * 4096L);
        const int FileBytes = CachePages * 4 * 4096;
        using (VolumeFile writer = volume.Create("f"))
        {
            await writer.WriteBufferedAsync(0, Data(FileBytes, 11));
            await writer.FlushAsync();
        }
        byte[] expected = Data(FileBytes, 11);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            using VolumeFile file = volume.Open("f");
            var random = new Random(t);
            byte[] buffer = new byte[3 * 4096];
            for (int i = 0; i < 200; i++)
            {
                int offset = random.Next(FileBytes - buffer.Length);
                int length = random.Next(1, buffer.Length);
                Assert.Equal(length, await file.ReadBufferedAsync(offset, buffer.AsMemory(0, length)));
                Assert.True(expected.AsSpan(offset, length).SequenceEqual(buffer.AsSpan(0, length)), $"reader {t}: bytes at {offset} differ");
            }
        })));
        PageCacheStats stats = volume.PageCacheStats;
        Assert.True(stats.Evictions > 0, "no eviction: the test did not put the cache under pressure");
        Assert.True(stats.CachedBytes <= CachePages * 4096L);
    }

    [Fact]
    public async Task UnderPressure_MappedPinnedAndDirtyPagesStayCached_AsTheSamePageObjects()
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Format(disk, cacheBytes: CachePages * 4096L);
        using VolumeFile file = volume.Create("f");
        await file.SetLengthAsync(CachePages * 8 * 4096L);
        FileCache cache = volume.PageCache.For(file.Inode);

        using MappedRange mapped = await file.MapAsync(0, 4096);
        mapped.Memory.Span.Fill(0x11);
        mapped.MarkDirty();
        await file.FlushAsync();                     // mapped and clean now: only the mapping keeps it

        using MappedRange pinnedRange = await file.MapAsync(8 * 4096, 4096);
        var pins = new Page[1];
        Assert.Equal(1, Gup.PinUserPages(pinnedRange.Memory, GupFlags.Write, pins));
        pinnedRange.Dispose();                       // pinned, no longer mapped: only the pin keeps it

        await file.WriteBufferedAsync(16 * 4096, Data(4096, 3));
        Page dirty = cache.Find(16)!;
        dirty.Put();
        Page mappedPage = cache.Find(0)!;
        mappedPage.Put();

        try
        {
            // Pressure from concurrent readers of the rest of the file (holes: zero pages, no
            // I/O), every other page, so that no read looks sequential: one-page fills.
            await Task.WhenAll(Enumerable.Range(0, 3).Select(t => Task.Run(async () =>
            {
                using VolumeFile reader = volume.Open("f");
                byte[] buffer = new byte[4096];
                for (long at = (32 + t) * 4096; at < CachePages * 8 * 4096L; at += 2 * 4096)
                {
                    await reader.ReadBufferedAsync(at, buffer);
                    Assert.All(buffer, b => Assert.Equal(0, b));
                }
            })));
            Assert.True(volume.PageCacheStats.Evictions > 0);
            Assert.Same(mappedPage, Found(cache, 0));
            Assert.Same(pins[0], Found(cache, 8));
            Assert.Same(dirty, Found(cache, 16));
            Assert.True(dirty.IsDirty);
        }
        finally
        {
            Gup.UnpinUserPages(pins);
        }
        Assert.Equal(Data(4096, 3), (await ReadAsync(file, 16 * 4096, 4096)));
    }

    private static Page? Found(FileCache cache, long index)
    {
        Page? page = cache.Find(index);
        page?.Put();
        return page;
    }
}
