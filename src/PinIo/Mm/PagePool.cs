// Follows mm/page_alloc.c (alloc_pages, __free_pages: a page is free only at refcount zero).
using System.Numerics;

namespace PinIo.Mm;

/// <summary>
/// Page-aligned native memory carved into 4 KiB pages. <see cref="Alloc"/> hands out a page
/// with one reference; the page returns to the free list when its count reaches zero, never
/// earlier, so a page under I/O (pinned) is never handed to anyone else. A pool disposed
/// while pages are still referenced keeps that memory (memory under I/O is never freed) and
/// reports the leak through <see cref="PinStats.LeakedPoolPages"/> until those pages come back.
/// </summary>
public sealed class PagePool : IDisposable
{
    private readonly Page[] _pages;
    private readonly ulong[] _freeBits;
    private readonly Lock _lock = new();
    private nint _base;
    private int _freeCount;
    private int _searchHint;
    private bool _disposed;
    private readonly bool _hugePageBacked;

    /// <summary>Most pages one pool holds: the longest page array .NET makes (<see cref="Array.MaxLength"/>).</summary>
    public const int MaxPageCount = 0x7FFFFFC7;

    /// <summary>
    /// A pool of <paramref name="pageCount"/> 4 KiB pages of page-aligned native memory, all free.
    /// The memory is outside the GC heap (it never moves) and is freed by <see cref="Dispose"/>
    /// once no page is referenced.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageCount"/> is not 1 to
    /// <see cref="MaxPageCount"/>.</exception>
    /// <exception cref="OutOfMemoryException">The memory cannot be allocated.</exception>
    public PagePool(int pageCount)
        : this(pageCount, hugePages: false)
    {
    }

    /// <summary>
    /// A pool of <paramref name="pageCount"/> pages; with <paramref name="hugePages"/> its memory
    /// starts on a 2 MiB boundary and is advised MADV_HUGEPAGE, so that transparent huge pages
    /// back it: random access over many pages then misses the TLB far less (one entry per 512
    /// pages) and fresh memory faults in 2 MiB at a time. A cache of many pages wants that.
    /// </summary>
    public PagePool(int pageCount, bool hugePages)
        : this(pageCount, hugePages, hugeTlb: false)
    {
    }

    /// <summary>
    /// With <paramref name="hugeTlb"/>, huge pages come first from the hugetlb pool
    /// (vm.nr_hugepages) when it has enough free, else from THP advice as above: a registered
    /// buffer pool of 2 MiB pages is pinned and registered a folio at a time.
    /// </summary>
    internal PagePool(int pageCount, bool hugePages, bool hugeTlb)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageCount, MaxPageCount);
        nuint bytes = (nuint)pageCount * PageSize.Bytes;
        nint reserved = hugePages && hugeTlb ? Linux.HugePageMemory.AllocateHugeTlb(bytes) : 0;
        if (reserved != 0)
        {
            _base = reserved;
            _hugePageBacked = true;
            HugeTlbBacked = true;
        }
        else if (hugePages)
        {
            _base = Linux.HugePageMemory.Allocate(bytes, out bool advised);
            _hugePageBacked = true;
            HugePagesAdvised = advised;
        }
        else
        {
            _base = NativeMemoryAccess.AllocPageAligned(bytes);
        }
        _pages = new Page[pageCount];
        _freeBits = new ulong[(pageCount + 63) / 64];
        for (int i = 0; i < pageCount; i++)
        {
            _pages[i] = new Page(_base + ((nint)i << PageSize.Shift), this, i);
            _freeBits[i >> 6] |= 1UL << (i & 63);
        }
        _freeCount = pageCount;
        PageTable.RegisterPool(this);
    }

    /// <summary>Number of pages in the pool, free or not.</summary>
    public int Capacity => _pages.Length;

    /// <summary>Pages on the free list now (a snapshot): <see cref="Capacity"/> when every page came back.</summary>
    public int FreeCount => Volatile.Read(ref _freeCount);

    /// <summary>Start of the pool's memory (for registering it with the kernel as fixed buffers).</summary>
    public nint BaseAddress => _base;

    /// <summary>The pool's memory in bytes: <see cref="Capacity"/> × 4096.</summary>
    public long SizeBytes => (long)_pages.Length << PageSize.Shift;

    /// <summary>True when the pool's memory was advised MADV_HUGEPAGE and the kernel accepted it (transparent huge pages may back it).</summary>
    public bool HugePagesAdvised { get; }

    /// <summary>True when the pool's memory came from the hugetlb pool (MAP_HUGETLB): 2 MiB pages throughout.</summary>
    internal bool HugeTlbBacked { get; }

    /// <summary>What backs the pool's memory, for a device's description.</summary>
    internal string BackingDescription => HugeTlbBacked ? "2 MiB hugetlb pages"
        : HugePagesAdvised ? "memory advised for transparent huge pages" : "4 KiB pages";

    /// <summary>
    /// Allocates one page with <c>RefCount == 1</c>, clean and unpinned. Release it with
    /// <see cref="Page.Put"/>; it returns to the free list when its count reaches zero.
    /// Thread-safe (a short lock; not for a per-I/O hot path).
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.ENOMEM"/>: every page is in use.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Page Alloc()
    {
        if (!TryAlloc(out Page? page))
        {
            ThrowHelper.ThrowDirectIo(Errno.ENOMEM, $"PagePool of {Capacity} pages is exhausted: create a larger pool or release pages sooner.");
        }
        return page;
    }

    /// <summary>
    /// <see cref="Alloc"/> without the exception: false when no page is free. Thread-safe.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public bool TryAlloc([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Page? page)
    {
        int index = TryAllocRun(1);
        page = index < 0 ? null : _pages[index];
        return page is not null;
    }

    /// <summary>
    /// Allocates <paramref name="count"/> physically adjacent pages, each with one reference,
    /// and returns the first, or null when no such run is free. Release each page with
    /// <see cref="Page.Put"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is not positive.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public Page? TryAllocContiguous(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        int index = TryAllocRun(count);
        return index < 0 ? null : _pages[index];
    }

    /// <summary>
    /// <paramref name="bytes"/> of page-aligned memory on adjacent pool pages, as
    /// <see cref="System.Buffers.IMemoryOwner{T}"/>. Disposing it drops the owner's reference on
    /// each page. Direct I/O into this memory takes no pin (it is a bvec of pool pages), and
    /// a device with the pool registered uses it as fixed buffers.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.ENOMEM"/>: no run of adjacent free
    /// pages covers <paramref name="bytes"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is not positive.</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed.</exception>
    public System.Buffers.IMemoryOwner<byte> AllocateMemory(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        int pages = PageSize.PagesSpanned(0, bytes);
        Page? first = TryAllocContiguous(pages);
        if (first is null)
        {
            ThrowHelper.ThrowDirectIo(Errno.ENOMEM, $"PagePool of {Capacity} pages has no {pages} adjacent free pages for a {bytes}-byte buffer: use a larger pool or free buffers sooner.");
        }
        return new PoolMemory(this, first, pages, bytes);
    }

    /// <summary>
    /// The page of this pool at <paramref name="index"/> (0 to <see cref="Capacity"/> − 1), free or
    /// not; takes no reference.
    /// </summary>
    public Page this[int index] => _pages[index];

    /// <summary>True when <paramref name="address"/> lies in this pool's memory (any byte of any page).</summary>
    public bool Contains(nint address) => address >= _base && address < _base + (nint)SizeBytes;

    internal Page PageAt(nint address) => _pages[IndexOf(address)];

    /// <summary>Pages <paramref name="first"/>..+<paramref name="count"/> of this pool, free or not; takes no reference.</summary>
    internal ReadOnlySpan<Page> PagesAt(int first, int count) => _pages.AsSpan(first, count);

    /// <summary>The index of the page of this pool that holds <paramref name="address"/>.</summary>
    internal int IndexOf(nint address) => (int)((address - _base) >> PageSize.Shift);

    /// <summary>The page's count reached zero: back to the free list.</summary>
    internal void Free(Page page)
    {
        bool lastOfDisposed;
        bool ofDisposed;
        lock (_lock)
        {
            ofDisposed = _disposed;
            int i = page.PoolIndex;
            _freeBits[i >> 6] |= 1UL << (i & 63);
            _freeCount++;
            if (i < _searchHint)
            {
                _searchHint = i;
            }
            lastOfDisposed = _disposed && _freeCount == Capacity;
        }
        PinStats.OnPoolPageFreed();
        if (ofDisposed)
        {
            // Counted as leaked when the pool was disposed; it is back now.
            PinStats.OnLeakedPoolPageReturned();
        }
        if (lastOfDisposed)
        {
            // The pool was disposed while this page was under I/O; now nothing uses its memory.
            ReleaseMemory();
        }
    }

    /// <summary>
    /// Frees the pool's memory if every page is free. A page still referenced (under I/O, or
    /// leaked) keeps the memory alive — memory under I/O is never freed — and is reported in
    /// <see cref="PinStats.LeakedPoolPages"/>; the memory is freed when the last such page comes
    /// back. Further allocations throw <see cref="ObjectDisposedException"/>. Idempotent.
    /// </summary>
    public void Dispose()
    {
        int inUse;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            inUse = Capacity - _freeCount;
        }
        if (inUse > 0)
        {
            PinStats.OnPoolLeak(inUse, $"PagePool of {Capacity} pages at 0x{_base:x}");
            return;
        }
        ReleaseMemory();
    }

    /// <summary>Frees the memory once no page is referenced; until then the pool stays findable by address.</summary>
    private void ReleaseMemory()
    {
        PageTable.UnregisterPool(this);
        if (_hugePageBacked)
        {
            Linux.HugePageMemory.Free(_base, (nuint)SizeBytes);
        }
        else
        {
            NativeMemoryAccess.FreePageAligned(_base);
        }
        _base = 0;
    }

    private int TryAllocRun(int count)
    {
        int start;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_freeCount < count)
            {
                return -1;
            }
            start = count == 1 ? FindFreeLocked() : FindRunLocked(count);
            if (start < 0)
            {
                return -1;
            }
            for (int i = start; i < start + count; i++)
            {
                _freeBits[i >> 6] &= ~(1UL << (i & 63));
            }
            _freeCount -= count;
            _searchHint = start + count;
        }
        for (int i = start; i < start + count; i++)
        {
            _pages[i].InitAllocated();
        }
        PinStats.OnPoolPageAllocated(count);
        return start;
    }

    private int FindFreeLocked()
    {
        int words = _freeBits.Length;
        int hintWord = Math.Min(_searchHint >> 6, words - 1);
        for (int n = 0; n < words; n++)
        {
            int w = (hintWord + n) % words;
            if (_freeBits[w] != 0)
            {
                return (w << 6) + BitOperations.TrailingZeroCount(_freeBits[w]);
            }
        }
        return -1;
    }

    private int FindRunLocked(int count)
    {
        int run = 0;
        for (int i = 0; i < _pages.Length; i++)
        {
            bool free = (_freeBits[i >> 6] & (1UL << (i & 63))) != 0;
            run = free ? run + 1 : 0;
            if (run == count)
            {
                return i - count + 1;
            }
        }
        return -1;
    }
}
