// Follows mm/vmstat.c (pgpgin, pgpgout, nr_dirty, nr_file_pages, pgsteal) for one Volume's page cache.
namespace PinIo.Fs;

/// <summary>
/// A snapshot of a <see cref="Volume"/>'s page cache (<see cref="Volume.PageCacheStats"/>):
/// counters since the volume was opened, and the cached and dirty bytes now.
/// </summary>
public sealed record PageCacheStats
{
    /// <summary>Pages a buffered read or write found in the cache.</summary>
    public long Hits { get; init; }

    /// <summary>Pages a buffered read or write had to bring in (from the device, or as zeroes for a hole).</summary>
    public long Misses { get; init; }

    /// <summary>Pages read ahead of what a buffered read asked for (mm/readahead.c's window).</summary>
    public long ReadaheadPages { get; init; }

    /// <summary>Read requests the cache sent down to fill pages (one per run of missing pages, holes included).</summary>
    public long DeviceReads { get; init; }

    /// <summary>Dirty pages written back (each stable copy counts once as well).</summary>
    public long WritebackPages { get; init; }

    /// <summary>Pages writeback found pinned (<see cref="Mm.Page.MaybeDmaPinned"/>) and wrote as a stable copy, leaving them dirty.</summary>
    public long StableCopies { get; init; }

    /// <summary>Cached pages a Direct write could not drop because they were mapped or pinned (invalidate_inode_pages2 returning EBUSY): refreshed in place instead.</summary>
    public long InvalidateFailures { get; init; }

    /// <summary>Clean pages the CLOCK hand evicted to make room.</summary>
    public long Evictions { get; init; }

    /// <summary>Bytes of dirty pages in the cache now.</summary>
    public long DirtyBytes { get; init; }

    /// <summary>Bytes of pages in the cache now.</summary>
    public long CachedBytes { get; init; }

    /// <summary>The cache's capacity in bytes (<see cref="VolumeOptions.PageCacheBytes"/>, or its default).</summary>
    public long CapacityBytes { get; init; }
}
