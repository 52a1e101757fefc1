// Follows mm/filemap.c (the page cache: pages of files, found by (mapping, index)) with pages from one PagePool per volume.
using PinIo.Mm;

namespace PinIo.Fs;

/// <summary>
/// A volume's page cache: 4 KiB pages of one <see cref="PagePool"/>, each cached page owned by
/// one file's <see cref="FileCache"/> (its i_mapping) at one page index. The cache holds one
/// reference on every page it caches; a reader, a writer, writeback, a <see cref="MappedRange"/>
/// or a pin adds its own, which is how eviction (<see cref="EvictSome"/>) tells a page that
/// only the cache holds from one in use. The pool is made at the first buffered use, so a
/// volume used only for Direct I/O pays nothing for it.
/// </summary>
internal sealed partial class PageCache : IDisposable
{
    /// <summary>Capacity when <see cref="VolumeOptions.PageCacheBytes"/> is 0.</summary>
    public const long DefaultBytes = 64L << 20;

    /// <summary>The smallest cache: room for a read-ahead window and a few mapped pages.</summary>
    public const int MinPages = 64;

    private readonly Lock _createLock = new();
    private PagePool? _pool;
    private CacheSlot[] _slots = [];
    private int _disposed;

    private long _hits;
    private long _misses;
    private long _readaheadPages;
    private long _deviceReads;
    private long _writebackPages;
    private long _stableCopies;
    private long _invalidateFailures;
    private long _evictions;

    public PageCache(Volume volume, long capacityBytes)
    {
        Volume = volume;
        long bytes = capacityBytes == 0 ? DefaultBytes : capacityBytes;
        CapacityPages = (int)Math.Clamp(bytes >> PageSize.Shift, MinPages, PagePool.MaxPageCount);
    }

    public Volume Volume { get; }

    public int CapacityPages { get; }

    /// <summary>The cache's pool, made on first use.</summary>
    public PagePool Pool => Volatile.Read(ref _pool) ?? CreatePool();

    /// <summary>True once any page was ever cached: before that nothing needs writing back or dropping.</summary>
    public bool IsCreated => Volatile.Read(ref _pool) is not null;

    /// <summary>The file's mapping, made on first use (shared by every handle of the file).</summary>
    public FileCache For(VolumeInode inode)
    {
        FileCache? existing = Volatile.Read(ref inode.Cache);
        if (existing is not null)
        {
            return existing;
        }
        var made = new FileCache(this, inode);
        return Interlocked.CompareExchange(ref inode.Cache, made, null) ?? made;
    }

    public void CountHits(int pages) => Interlocked.Add(ref _hits, pages);

    public void CountMisses(int pages) => Interlocked.Add(ref _misses, pages);

    public void CountReadahead(int pages) => Interlocked.Add(ref _readaheadPages, pages);

    public void CountDeviceRead() => Interlocked.Increment(ref _deviceReads);

    public void CountWriteback(int pages) => Interlocked.Add(ref _writebackPages, pages);

    public void CountStableCopy() => Interlocked.Increment(ref _stableCopies);

    public void CountInvalidateFailure() => Interlocked.Increment(ref _invalidateFailures);

    public PageCacheStats Snapshot()
    {
        long cached = 0, dirty = 0;
        PagePool? pool = Volatile.Read(ref _pool);
        if (pool is not null)
        {
            for (int i = 0; i < _slots.Length; i++)
            {
                if (Volatile.Read(ref _slots[i].Owner) is not null)
                {
                    cached++;
                    dirty += pool[i].IsDirty ? 1 : 0;
                }
            }
        }
        return new PageCacheStats
        {
            Hits = Interlocked.Read(ref _hits),
            Misses = Interlocked.Read(ref _misses),
            ReadaheadPages = Interlocked.Read(ref _readaheadPages),
            DeviceReads = Interlocked.Read(ref _deviceReads),
            WritebackPages = Interlocked.Read(ref _writebackPages),
            StableCopies = Interlocked.Read(ref _stableCopies),
            InvalidateFailures = Interlocked.Read(ref _invalidateFailures),
            Evictions = Interlocked.Read(ref _evictions),
            CachedBytes = cached << PageSize.Shift,
            DirtyBytes = dirty << PageSize.Shift,
            CapacityBytes = (long)CapacityPages << PageSize.Shift,
        };
    }

    /// <summary>Records that <paramref name="page"/> now caches page <paramref name="index"/> of <paramref name="owner"/>. Caller holds the owner's lock.</summary>
    internal void Attach(Page page, FileCache owner, long index)
    {
        ref CacheSlot slot = ref _slots[page.PoolIndex];
        slot.Index = index;
        slot.Referenced = 1;
        Volatile.Write(ref slot.Owner, owner);
    }

    /// <summary>The page left the cache. Caller holds the owner's lock.</summary>
    internal void Detach(Page page) => Volatile.Write(ref _slots[page.PoolIndex].Owner, null);

    /// <summary>mark_page_accessed: the CLOCK hand passes over this page once more.</summary>
    internal void Touch(Page page)
    {
        // Stored only when clear: a hit then reads the slot's cache line and leaves it clean, so hits on other CPUs do not bounce it.
        ref int referenced = ref _slots[page.PoolIndex].Referenced;
        if (referenced == 0)
        {
            referenced = 1;
        }
    }

    /// <summary>
    /// A page for the cache, evicting clean unused pages when the pool is full. Null when every
    /// page is dirty, mapped, pinned or under I/O: the caller writes back and tries again.
    /// </summary>
    public Page? TryAllocPage()
    {
        PagePool pool = Pool;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (pool.TryAlloc(out Page? page))
            {
                return page;
            }
            if (EvictSome(32) == 0 && attempt > 0)
            {
                break;
            }
        }
        return null;
    }

    /// <summary>
    /// <see cref="TryAllocPage"/>, and when it finds nothing, a writeback of every dirty page
    /// (balance_dirty_pages) and one more try. ENOMEM when the cache is full of pages in use.
    /// The caller holds no file's writeback lock or layout gate.
    /// </summary>
    public async ValueTask<Page> AllocPageAsync(CancellationToken ct)
    {
        Page? page = TryAllocPage();
        if (page is not null)
        {
            return page;
        }
        await WritebackAllAsync(ct).ConfigureAwait(false);
        page = TryAllocPage();
        if (page is null)
        {
            ThrowHelper.ThrowDirectIo(Errno.ENOMEM, $"the page cache of {CapacityPages} pages is full of pages that are mapped, pinned or under I/O: " +
                "dispose MappedRange objects sooner, or raise VolumeOptions.PageCacheBytes");
        }
        return page;
    }

    /// <summary>
    /// <paramref name="count"/> adjacent pages (a mapped range's memory), evicting when the pool
    /// has no such run free. Null when none can be made.
    /// </summary>
    public Page? TryAllocRun(int count)
    {
        PagePool pool = Pool;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            Page? first = pool.TryAllocContiguous(count);
            if (first is not null)
            {
                return first;
            }
            if (EvictSome(Math.Max(count, 64) << attempt) == 0 && attempt > 0)
            {
                break;
            }
        }
        return null;
    }

    private PagePool CreatePool()
    {
        lock (_createLock)
        {
            if (_pool is not null)
            {
                return _pool;
            }
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, Volume);
            _slots = new CacheSlot[CapacityPages];
            // Huge pages: random hits over a large cache would otherwise miss the TLB on most reads.
            var pool = new PagePool(CapacityPages, hugePages: true);
            Volatile.Write(ref _pool, pool);
            StartFlusher();
            return pool;
        }
    }

    /// <summary>
    /// Drops every cached page (after the volume wrote them back, or without when it is cut) and
    /// frees the pool. A page still lent out by a MappedRange keeps its memory until that is disposed.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        StopBackgroundWriteback();
        DrainReadahead();
        PagePool? pool;
        lock (_createLock)
        {
            pool = _pool;
        }
        if (pool is null)
        {
            return;
        }
        foreach (FileCache file in OwnersOfCachedPages())
        {
            file.DropAll();
        }
        pool.Dispose();
    }

    /// <summary>Every file that has a page in the cache now.</summary>
    internal HashSet<FileCache> OwnersOfCachedPages()
    {
        var owners = new HashSet<FileCache>();
        for (int i = 0; i < _slots.Length; i++)
        {
            if (Volatile.Read(ref _slots[i].Owner) is { } owner)
            {
                owners.Add(owner);
            }
        }
        return owners;
    }

    /// <summary>The cache's record of one pool page: whose page it is, and CLOCK's referenced bit.</summary>
    private struct CacheSlot
    {
        public FileCache? Owner;
        public long Index;
        public int Referenced;
    }
}
