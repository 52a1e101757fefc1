namespace PinIo.Fs;

/// <summary>Which Direct I/O path a <c>Volume</c>'s files take.</summary>
public enum DirectIoPath
{
    /// <summary>fs/iomap/direct-io.c: extent by extent, holes read without taking a page.</summary>
    Iomap,

    /// <summary>fs/direct-io.c: block runs from a get_block mapper, pages taken 64 at a time.</summary>
    Legacy,
}

/// <summary>How a <c>Volume</c> is formatted and mounted.</summary>
public sealed class VolumeOptions
{
    /// <summary>The file-system block in bytes: a power of two, at least 4096 and the device's logical block, at most 64 KiB. Used by Format; Mount reads it from the superblock.</summary>
    public int BlockSize { get; init; } = 4096;

    /// <summary>The Direct I/O path of the volume's files.</summary>
    public DirectIoPath DirectIoPath { get; init; } = DirectIoPath.Iomap;

    /// <summary>
    /// Bytes of page cache for buffered I/O, mapped ranges and writeback's stable copies
    /// (rounded down to 4 KiB pages, at least 64 pages); 0 picks the default of 64 MiB. The
    /// memory is taken at the first buffered use, not at mount. Negative is EINVAL.
    /// </summary>
    public long PageCacheBytes { get; init; }

    /// <summary>
    /// How often the background flusher wakes (dirty_writeback_centisecs): it writes back files
    /// dirty for five wake-ups, or everything once a quarter of the cache is dirty. Zero or
    /// <see cref="Timeout.InfiniteTimeSpan"/>: no background writeback (only FlushAsync,
    /// SyncAsync, a full cache and unmount write back).
    /// </summary>
    public TimeSpan WritebackInterval { get; init; } = TimeSpan.FromSeconds(1);
}
