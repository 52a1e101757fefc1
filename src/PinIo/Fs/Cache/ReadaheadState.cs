// Follows mm/readahead.c (file_ra_state, page_cache_sync_ra, get_init_ra_size, get_next_ra_size).
namespace PinIo.Fs;

/// <summary>
/// One open handle's read-ahead window (file_ra_state): where the last window started, its
/// size, and the last page read. A miss that continues the previous read or window
/// (sequential) reads a window that starts at four times the request (for small requests)
/// and grows fourfold, then twofold, up to <see cref="MaxPages"/>; a miss anywhere else (random) reads
/// just the pages asked for and resets the window. Unsynchronized, as the kernel's: racing
/// readers of one handle at worst misjudge one window.
/// </summary>
internal sealed class ReadaheadState
{
    /// <summary>The largest window: 128 pages, 512 KiB (the kernel's default read_ahead_kb is 128; larger suits fast devices).</summary>
    public const int MaxPages = 128;

    private long _start = -1;
    private int _size;
    private long _prevIndex = -1;

    /// <summary>
    /// The pages to read at a miss at <paramref name="index"/> when the request needs
    /// <paramref name="needed"/> pages from there: at least <paramref name="needed"/>, more on
    /// sequential access. Moves the window.
    /// </summary>
    public int OnMiss(long index, int needed)
    {
        bool sequential = index == 0 || index == _prevIndex + 1 || index == _prevIndex || (_start >= 0 && index == _start + _size);
        int size;
        if (!sequential)
        {
            size = needed;
            _size = 0;
        }
        else
        {
            size = _size == 0 ? InitialSize(needed) : NextSize(_size);
            size = Math.Max(size, needed);
            _size = size;
        }
        _start = index;
        return size;
    }

    /// <summary>The read ended at page <paramref name="lastIndex"/>.</summary>
    public void OnRead(long lastIndex) => _prevIndex = lastIndex;

    private static int InitialSize(int needed)
    {
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(needed, 1));
        if (size <= MaxPages / 32)
        {
            size *= 4;
        }
        else if (size <= MaxPages / 4)
        {
            size *= 2;
        }
        return Math.Min(size, MaxPages);
    }

    private static int NextSize(int current) => Math.Min(current < MaxPages / 16 ? current * 4 : current * 2, MaxPages);
}
