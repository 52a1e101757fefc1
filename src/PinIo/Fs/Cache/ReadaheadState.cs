// Follows mm/readahead.c (file_ra_state, page_cache_sync_ra, page_cache_async_ra, get_init_ra_size, get_next_ra_size; the PG_readahead marker).
namespace PinIo.Fs;

/// <summary>
/// One open handle's read-ahead window (file_ra_state): where the current window starts, its
/// size, how much of it is the asynchronous part, and the last page read. A miss that continues
/// the previous read or window (sequential) reads a window that starts at four times the
/// request (for small requests) and grows fourfold, then twofold, up to <see cref="MaxPages"/>;
/// a miss anywhere else (random) reads just the pages asked for and resets the window.
/// <para>
/// The first page of a window's asynchronous part is its marker (PG_readahead): when a reader
/// reaches it, <see cref="TryAdvanceAtMarker"/> moves the window on and the next windows'
/// reads start without the reader waiting for them, so a sequential reader copies one window
/// while the device reads the next two. Unsynchronized, as the kernel's: racing readers of one
/// handle at worst misjudge one window.
/// </para>
/// </summary>
internal sealed class ReadaheadState
{
    /// <summary>
    /// The largest window: 2,048 pages, 8 MiB (the kernel's default read_ahead_kb is 128; a
    /// RAM-backed loop device gets 2,560 KiB). A reader that copies faster than the device reads
    /// waits once per window however far ahead the windows are, and each wait costs a wake-up
    /// of the reader, two on a busy machine; 8 MiB windows waited a quarter as often as 2 MiB
    /// ones and read 1 GiB cold at 1.2x their speed (bench/README.md's page-cache section). A
    /// window never takes more than an eighth of the cache (<see cref="VolumeFile"/>).
    /// </summary>
    public const int MaxPages = 2048;

    /// <summary>Windows up to this size start at four or two times the request and grow fourfold below an eighth of it (the kernel's ramp for its 128-page maximum).</summary>
    private const int RampPages = 128;

    /// <summary>posix_fadvise's access pattern for this handle (<see cref="VolumeFile.Advise"/>).</summary>
    public FileAccessAdvice Advice { get; set; }

    private long _start = -1;
    private int _size;
    private int _asyncSize;
    private long _prevIndex = -1;
    private bool _secondAhead;

    /// <summary>The page whose read starts the next window ahead of the reader (-1: none, the access is not sequential).</summary>
    public long Marker { get; private set; } = -1;

    /// <summary>
    /// The pages to read at a miss at <paramref name="index"/> when the request needs
    /// <paramref name="needed"/> pages from there: at least <paramref name="needed"/>, more on
    /// sequential access. Moves the window and sets its marker.
    /// </summary>
    public int OnMiss(long index, int needed)
    {
        bool sequential = Advice != FileAccessAdvice.Random &&
            (index == 0 || index == _prevIndex + 1 || index == _prevIndex || (_start >= 0 && index == _start + _size));
        int size;
        if (!sequential)
        {
            size = needed;
            _size = 0;
            _asyncSize = 0;
        }
        else
        {
            // FADV_SEQUENTIAL: the reader says it reads on, so the ramp is skipped.
            size = Advice == FileAccessAdvice.Sequential ? MaxPages : _size == 0 ? InitialSize(needed) : NextSize(_size);
            size = Math.Max(size, needed);
            _size = size;
            // The pages beyond the request are read ahead; their first is the marker. A request
            // as large as the window marks its first page, so the next window starts at once.
            _asyncSize = size > needed ? size - needed : size;
        }
        _start = index;
        _secondAhead = false;
        Marker = _asyncSize > 0 ? _start + _size - _asyncSize : -1;
        return size;
    }

    /// <summary>
    /// page_cache_async_ra: a read reached page <paramref name="index"/>; when that is the
    /// marker, the window moves to the pages after the newest one, all of it read ahead, and
    /// its start and size come back to be read. Two windows stay ahead of the reader (the
    /// kernel keeps one; a device read at depth 2 is ~1.2x as fast, see bench/README.md): at the
    /// first marker the caller asks again and gets a second window, and from then on the marker
    /// is the first page of the window before the newest, so that entering a window starts the
    /// one two ahead of it.
    /// </summary>
    public bool TryAdvanceAtMarker(long index, out long start, out int size)
    {
        if (index != Marker)
        {
            start = 0;
            size = 0;
            return false;
        }
        long entered = _start;
        _start += _size;
        _size = NextSize(_size);
        _asyncSize = _size;
        if (_secondAhead)
        {
            Marker = entered;
        }
        _secondAhead = true;
        start = _start;
        size = _size;
        return true;
    }

    /// <summary>The read ended at page <paramref name="lastIndex"/>.</summary>
    public void OnRead(long lastIndex) => _prevIndex = lastIndex;

    private static int InitialSize(int needed)
    {
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(needed, 1));
        if (size <= RampPages / 32)
        {
            size *= 4;
        }
        else if (size <= RampPages / 4)
        {
            size *= 2;
        }
        return Math.Min(size, MaxPages);
    }

    private static int NextSize(int current) => Math.Min(current < RampPages / 16 ? current * 4 : current * 2, MaxPages);
}
