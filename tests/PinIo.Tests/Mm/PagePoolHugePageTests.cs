using PinIo.Devices;
using PinIo.Fs;
using PinIo.Linux;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Mm;

/// <summary>A pool on transparent huge pages: 2 MiB-aligned, advised MADV_HUGEPAGE (the kernel's smaps says THPeligible), and the page cache asks for it.</summary>
public sealed class PagePoolHugePageTests : PinBalancedTest
{
    [TransparentHugePagesFact]
    public void AHugePagePool_StartsOnA2MiBBoundary_AndItsMemoryIsEligibleForHugePages()
    {
        using var pool = new PagePool(1024, hugePages: true);

        Assert.True(pool.HugePagesAdvised);
        Assert.Equal(0, pool.BaseAddress & (HugePageMemory.HugePageBytes - 1));
        Assert.True(IsHugePageEligible(pool.BaseAddress), "smaps does not mark the pool's memory THPeligible");
        Page page = pool.Alloc();
        page.AsSpan().Fill(7);
        Assert.Equal(7, page.AsSpan()[4095]);
        page.Put();
    }

    /// <summary>The pool is faulted in when it is made (MADV_POPULATE_WRITE), not page by page under the first reads that fill it.</summary>
    [TransparentHugePagesFact]
    public void AHugePagePool_IsResidentFromTheStart()
    {
        using var pool = new PagePool(2048, hugePages: true);

        Assert.True(SmapsKiB(pool.BaseAddress, "Rss:") >= 2048 * 4, $"only {SmapsKiB(pool.BaseAddress, "Rss:")} KiB of the 8 MiB pool are resident");
    }

    [Fact]
    public void APlainPool_IsNotAdvised()
    {
        using var pool = new PagePool(4);
        Assert.False(pool.HugePagesAdvised);
    }

    [TransparentHugePagesFact]
    public async Task ThePageCachePool_AsksForHugePages()
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Format(disk, cacheBytes: 8 << 20);
        using VolumeFile file = volume.Create("f");
        await file.WriteBufferedAsync(0, Data(4096, 1));

        PagePool pool = volume.PageCache.Pool;
        Assert.True(IsHugePageEligible(pool.BaseAddress), "the page cache's pool is on 4 KiB pages only: random hits over it miss the TLB");
        Assert.Equal(0, pool.BaseAddress & (HugePageMemory.HugePageBytes - 1));
    }

    /// <summary>The THPeligible line of the /proc/self/smaps mapping that holds <paramref name="address"/>.</summary>
    private static bool IsHugePageEligible(nint address)
    {
        bool inMapping = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (TryParseMappingHeader(line, out ulong start, out ulong end))
            {
                inMapping = (ulong)address >= start && (ulong)address < end;
                continue;
            }
            if (inMapping && line.StartsWith("THPeligible:", StringComparison.Ordinal))
            {
                return line.AsSpan("THPeligible:".Length).Trim().SequenceEqual("1");
            }
        }
        return false;
    }

    /// <summary>A "Name: N kB" line of the /proc/self/smaps mapping that holds <paramref name="address"/>.</summary>
    private static long SmapsKiB(nint address, string name)
    {
        bool inMapping = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            if (TryParseMappingHeader(line, out ulong start, out ulong end))
            {
                inMapping = (ulong)address >= start && (ulong)address < end;
                continue;
            }
            if (inMapping && line.StartsWith(name, StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(name.Length).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    /// <summary>An smaps header line: "start-end perms offset dev inode path", addresses in hex.</summary>
    private static bool TryParseMappingHeader(string line, out ulong start, out ulong end)
    {
        start = end = 0;
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        int dash = space < 0 ? -1 : line.AsSpan(0, space).IndexOf('-');
        return dash > 0
            && ulong.TryParse(line.AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber, null, out start)
            && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), System.Globalization.NumberStyles.HexNumber, null, out end);
    }
}
