// Follows mm/huge_memory.c (transparent huge pages: a 2 MiB-aligned anonymous range marked MADV_HUGEPAGE is backed by PMD-sized pages) and madvise(2).
namespace PinIo.Linux;

/// <summary>
/// Anonymous memory for a page pool that transparent huge pages can back: mapped with room to
/// spare, trimmed to a 2 MiB-aligned start, and advised <c>MADV_HUGEPAGE</c> (THP's "madvise"
/// mode backs only advised ranges). One TLB entry then covers 512 pool pages, and the first
/// touch of 2 MiB is one fault, not 512 — taken at allocation (MADV_POPULATE_WRITE), so the
/// memory is resident from the start. Where the kernel refuses the advice the memory is still
/// good, on 4 KiB pages.
/// </summary>
internal static class HugePageMemory
{
    /// <summary>A PMD-sized transparent huge page on x86-64 and arm64 (4 KiB base pages).</summary>
    public const int HugePageBytes = 2 << 20;

    public const string EnabledPath = "/sys/kernel/mm/transparent_hugepage/enabled";

    /// <summary>True when THP is on in "always" or "madvise" mode (the advice then takes effect).</summary>
    public static bool IsAvailable
    {
        get
        {
            try
            {
                string mode = File.ReadAllText(EnabledPath);
                return mode.Contains("[always]", StringComparison.Ordinal) || mode.Contains("[madvise]", StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Maps <paramref name="bytes"/> (rounded up to whole huge pages) of zeroed memory starting
    /// on a 2 MiB boundary. <paramref name="advised"/> tells whether the kernel accepted
    /// MADV_HUGEPAGE. Released by <see cref="Free"/> with the same byte count.
    /// </summary>
    public static unsafe nint Allocate(nuint bytes, out bool advised)
    {
        nuint length = RoundUp(bytes);
        int rc = Interop.Mmap(length + HugePageBytes, Interop.PROT_READ | Interop.PROT_WRITE, Interop.MAP_PRIVATE | Interop.MAP_ANONYMOUS, -1, 0, out void* raw);
        if (rc < 0)
        {
            ThrowHelper.ThrowDirectIo((Errno)(-rc), $"mmap of {length + HugePageBytes} bytes for a huge-page page pool failed: lower the pool (or page cache) size or free memory");
        }
        nint start = (nint)raw;
        nint aligned = (start + HugePageBytes - 1) & ~(nint)(HugePageBytes - 1);
        nuint head = (nuint)(aligned - start);
        nuint tail = HugePageBytes - head;
        if (head != 0)
        {
            Interop.Munmap(raw, head);
        }
        if (tail != 0)
        {
            Interop.Munmap((void*)(aligned + (nint)length), tail);
        }
        advised = Interop.Madvise((void*)aligned, length, Interop.MADV_HUGEPAGE) == 0;
        // Faulted in now, once (a fault per 2 MiB where the advice took): the kernel's page
        // cache copies into memory its direct map already holds, and a cold read here paid a
        // fault and a page clearing per page it filled (a fifth of a cold sequential read).
        // Where the kernel lacks MADV_POPULATE_WRITE the pages fault in at first use instead.
        _ = Interop.Madvise((void*)aligned, length, Interop.MADV_POPULATE_WRITE);
        return aligned;
    }

    /// <summary>
    /// Maps <paramref name="bytes"/> (rounded up to whole huge pages) from the hugetlb pool
    /// (MAP_HUGETLB: pages the administrator reserved with vm.nr_hugepages), faulted in now;
    /// 0 when the pool cannot supply them all. The mapping reserves its pages when made, so a
    /// later touch never finds the pool empty (no SIGBUS). Released by <see cref="Free"/>.
    /// Unlike THP advice this never falls back to 4 KiB pages inside the range: every 2 MiB is
    /// one page, which the kernel pins and registers as one.
    /// </summary>
    public static unsafe nint AllocateHugeTlb(nuint bytes)
    {
        nuint length = RoundUp(bytes);
        int rc = Interop.Mmap(length, Interop.PROT_READ | Interop.PROT_WRITE,
            Interop.MAP_PRIVATE | Interop.MAP_ANONYMOUS | Interop.MAP_HUGETLB, -1, 0, out void* raw);
        if (rc < 0)
        {
            return 0;
        }
        _ = Interop.Madvise(raw, length, Interop.MADV_POPULATE_WRITE);
        return (nint)raw;
    }

    /// <summary>Unmaps memory from <see cref="Allocate"/> or <see cref="AllocateHugeTlb"/>.</summary>
    public static unsafe void Free(nint address, nuint bytes) => Interop.Munmap((void*)address, RoundUp(bytes));

    private static nuint RoundUp(nuint bytes) => (bytes + HugePageBytes - 1) & ~(nuint)(HugePageBytes - 1);
}
