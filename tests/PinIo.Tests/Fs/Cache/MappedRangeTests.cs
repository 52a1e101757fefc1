using PinIo.Devices;
using PinIo.Fs;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>MapAsync: the cache's own pages lent as one span, dirtied by MarkDirty, kept until disposed.</summary>
public sealed class MappedRangeTests : PinBalancedTest
{
    [Fact]
    public async Task WritesThroughAMapping_MarkedDirty_ReachTheDevice_AndBufferedReadsSeeThemAtOnce()
    {
        using RamDisk disk = StaleDisk();
        byte[] data = Data(10000, 12);
        using (Volume volume = Format(disk))
        {
            using VolumeFile file = volume.Create("f");
            await file.SetLengthAsync(16384);
            using (MappedRange mapped = await file.MapAsync(4096, 10000))
            {
                Assert.Equal(10000, mapped.Memory.Length);
                data.CopyTo(mapped.Memory);
                byte[] back = new byte[10000];
                await file.ReadBufferedAsync(4096, back);
                Assert.Equal(data, back);                       // the same pages
                mapped.MarkDirty();
            }
            await file.FlushAsync();
        }
        using (Volume volume = Volume.Mount(disk, Options()))
        {
            using VolumeFile file = volume.Open("f");
            byte[] all = await ReadAllAsync(file);
            Assert.Equal(data, all[4096..14096]);
            Assert.All(all[..4096], b => Assert.Equal(0, b));
        }
    }

    [Fact]
    public async Task WritesThroughAMappingNeverMarkedDirty_AreNotWrittenBack()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.WriteBufferedAsync(0, Data(4096, 1));
        await file.FlushAsync();
        using (MappedRange mapped = await file.MapAsync(0, 4096))
        {
            mapped.Memory.Span.Fill(9);
        }
        await file.FlushAsync();
        Assert.Equal(0, volume.PageCacheStats.DirtyBytes);
        Assert.Equal(Data(4096, 1), DeviceBytes(disk, file));
    }

    [Fact]
    public async Task MappingARangeOfScatteredCachedPages_MovesThemIntoOneSpan_KeepingDirtyData()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        using VolumeFile other = volume.Create("g");
        // Interleave two files' pages so that "f"'s cached pages are not adjacent in the pool.
        for (int i = 0; i < 4; i++)
        {
            await file.WriteBufferedAsync(i * 4096L, Data(4096, i));
            await other.WriteBufferedAsync(i * 4096L, Data(4096, 50 + i));
        }
        using MappedRange mapped = await file.MapAsync(0, 4 * 4096);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(Data(4096, i), mapped.Memory.Slice(i * 4096, 4096).ToArray());
        }
        // The moved pages kept their dirty bits: a flush writes them.
        await file.FlushAsync();
        byte[] direct = await ReadAllAsync(file);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(Data(4096, i), direct[(i * 4096)..((i + 1) * 4096)]);
        }
        // Mapping the same range again lends the same pages.
        using MappedRange again = await file.MapAsync(0, 4 * 4096);
        Assert.Equal(mapped.Memory.Pin().GetHashCode(), mapped.Memory.Pin().GetHashCode());
        unsafe
        {
            using System.Buffers.MemoryHandle a = mapped.Memory.Pin(), b = again.Memory.Pin();
            Assert.True(a.Pointer == b.Pointer);
        }
    }

    [Fact]
    public async Task AnOverlappingRange_ThatCannotBeMadeOneSpan_WhileAnotherMappingHoldsItsPages_IsEbusy()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.SetLengthAsync(8 * 4096);
        using MappedRange first = await file.MapAsync(4096, 4096);
        using MappedRange second = await file.MapAsync(3 * 4096, 4096);
        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await file.MapAsync(0, 4 * 4096));
        Assert.Equal(Errno.EBUSY, e.Errno);
    }

    [Fact]
    public async Task MisalignedOrPastTheEnd_IsEinval_AndTheMemoryIsUnusableAfterDispose()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.SetLengthAsync(8192);
        Assert.Equal(Errno.EINVAL, (await Assert.ThrowsAsync<DirectIoException>(async () => await file.MapAsync(100, 4096))).Errno);
        Assert.Equal(Errno.EINVAL, (await Assert.ThrowsAsync<DirectIoException>(async () => await file.MapAsync(4096, 8192))).Errno);
        MappedRange mapped = await file.MapAsync(0, 8192);
        Memory<byte> memory = mapped.Memory;
        mapped.Dispose();
        Assert.Throws<ObjectDisposedException>(() => memory.Span[0]);
        Assert.Throws<ObjectDisposedException>(mapped.MarkDirty);
    }

    [Fact]
    public async Task TheMappedPages_AreTheCachesPageObjects_SoAPinThroughGupFindsThem()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.SetLengthAsync(8192);
        using MappedRange mapped = await file.MapAsync(0, 8192);
        var pins = new Page[2];
        Assert.Equal(2, Gup.PinUserPages(mapped.Memory, GupFlags.Write, pins));
        try
        {
            FileCache cache = volume.PageCache.For(file.Inode);
            for (int i = 0; i < 2; i++)
            {
                Page cached = cache.Find(i)!;
                cached.Put();
                Assert.Same(cached, pins[i]);
                Assert.True(cached.MaybeDmaPinned);
            }
        }
        finally
        {
            Gup.UnpinUserPages(pins);
        }
    }

    private static byte[] DeviceBytes(RamDisk disk, VolumeFile file)
    {
        byte[] raw = new byte[4096];
        disk.ReadRaw(file.Extents[0].DeviceOffset, raw);
        return raw;
    }
}
