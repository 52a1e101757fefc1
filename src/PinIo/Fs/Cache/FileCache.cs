// Follows mm/filemap.c (struct address_space: filemap_get_folio, filemap_add_folio, __filemap_remove_folio) for one file of a Volume.
using PinIo.Mm;

namespace PinIo.Fs;

/// <summary>
/// One file's cached pages (its i_mapping), indexed by page index, shared by every handle of
/// the file (it hangs off the <see cref="VolumeInode"/>). The cache's reference on each page is
/// taken on insertion and dropped on removal; every lookup hands the caller a reference of its
/// own, taken under the lock, so eviction — which checks that the cache's is the only one,
/// under the same lock — never drops a page someone is using. The lock guards the index only:
/// no I/O and no other lock is taken under it.
/// </summary>
internal sealed partial class FileCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, Page> _pages = [];

    // The folio lock's part in a buffered write: two writers copying into one page take turns,
    // so the page ends with one writer's bytes whole. Striped by page index; readers take none
    // (as Linux's filemap_read), and a copy of 4 KiB is all a holder does.
    private readonly Lock[] _writeStripes = [.. Enumerable.Range(0, 16).Select(_ => new Lock())];

    /// <summary>The lock a buffered write holds while it copies into page <paramref name="index"/> and dirties it.</summary>
    public Lock WriteLockOf(long index) => _writeStripes[(int)(index & (_writeStripes.Length - 1))];
    private int _busy;
    private long _generation;
    private long _firstDirtyTicks;

    public FileCache(PageCache cache, VolumeInode inode)
    {
        Cache = cache;
        Inode = inode;
        Target = new CacheIomapTarget(cache.Volume, inode);
    }

    public PageCache Cache { get; }

    public VolumeInode Inode { get; }

    /// <summary>What the cache's own reads and writebacks hand iomap: the file's mapper, with an end_io that never moves the size.</summary>
    public CacheIomapTarget Target { get; }

    /// <summary>
    /// mapping->nrpages for the Direct I/O path: cached pages plus fills in flight. Zero means
    /// that a Direct I/O has nothing to write back or invalidate — its only cost of the cache.
    /// </summary>
    public bool MayHavePages => Volatile.Read(ref _busy) != 0;

    /// <summary>Bumped whenever cached pages are dropped or refreshed under a fill (invalidate_lock's role): a fill that began before does not insert what it read.</summary>
    public long Generation => Volatile.Read(ref _generation);

    public int CachedPages
    {
        get
        {
            lock (_lock)
            {
                return _pages.Count;
            }
        }
    }

    /// <summary>When a page of this file was first dirtied since its last full writeback (0: none known).</summary>
    public long FirstDirtyTicks
    {
        get => Interlocked.Read(ref _firstDirtyTicks);
        set => Interlocked.Exchange(ref _firstDirtyTicks, value);
    }

    /// <summary>filemap_get_folio: the cached page at <paramref name="index"/> with a reference for the caller, or null.</summary>
    public Page? Find(long index)
    {
        lock (_lock)
        {
            if (_pages.TryGetValue(index, out Page? page))
            {
                page.Get();
                Cache.Touch(page);
                return page;
            }
        }
        return null;
    }

    /// <summary>
    /// filemap_get_read_batch: the cached pages at <paramref name="index"/> and after, as many
    /// as are there in a row up to the length of <paramref name="into"/>, each with a reference
    /// for the caller, under one acquisition of the lock. Returns how many were found.
    /// </summary>
    public int FindRun(long index, Span<Page?> into)
    {
        lock (_lock)
        {
            int n = 0;
            while (n < into.Length && _pages.TryGetValue(index + n, out Page? page))
            {
                page.Get();
                Cache.Touch(page);
                into[n++] = page;
            }
            return n;
        }
    }

    /// <summary>How many pages from <paramref name="index"/> on, up to <paramref name="max"/>, are neither cached nor being read (the run a fill may read).</summary>
    public int MissingRun(long index, int max)
    {
        lock (_lock)
        {
            int n = 0;
            while (n < max && !_pages.ContainsKey(index + n) && !IsFillingLocked(index + n))
            {
                n++;
            }
            return n;
        }
    }

    /// <summary>
    /// filemap_add_folio: caches <paramref name="page"/> (whose allocation reference becomes the
    /// cache's) at <paramref name="index"/> and returns it with a reference for the caller; when
    /// a page is there already, returns that one instead and leaves <paramref name="page"/> to the
    /// caller. Null, inserting nothing, when the mapping changed since <paramref name="generation"/>.
    /// </summary>
    public Page? TryInsert(long index, Page page, long generation)
    {
        lock (_lock)
        {
            if (generation != _generation)
            {
                return null;
            }
            if (_pages.TryGetValue(index, out Page? existing))
            {
                existing.Get();
                Cache.Touch(existing);
                return existing;
            }
            _pages.Add(index, page);
            Cache.Attach(page, this, index);
            Interlocked.Increment(ref _busy);
            page.Get();
            return page;
        }
    }

    /// <summary>
    /// A fill's pages (each with its allocation reference) cached at <paramref name="index"/>
    /// on, under one acquisition of the lock: each becomes the cache's where no page is cached
    /// at its index; the others — all of them when the mapping changed since
    /// <paramref name="generation"/> — are put back. Takes every page.
    /// </summary>
    public void InsertRun(long index, Page?[] pages, long generation)
    {
        lock (_lock)
        {
            if (generation == _generation)
            {
                for (int k = 0; k < pages.Length; k++)
                {
                    Page page = pages[k]!;
                    if (_pages.TryAdd(index + k, page))
                    {
                        Cache.Attach(page, this, index + k);
                        Interlocked.Increment(ref _busy);
                        pages[k] = null;
                    }
                }
            }
        }
        // Outside the lock: a put may free the page to the pool, and no other lock is taken under this one.
        foreach (Page? refused in pages)
        {
            refused?.Put();
        }
    }

    /// <summary>A read into new pages is under way (counted in <see cref="MayHavePages"/>, so that a Direct write meanwhile invalidates).</summary>
    public void BeginFill() => Interlocked.Increment(ref _busy);

    public void EndFill() => Interlocked.Decrement(ref _busy);

    /// <summary>A clean page the cache holds alone leaves it (the CLOCK hand's victim). False when it is no longer that.</summary>
    public bool TryEvict(long index, Page page)
    {
        lock (_lock)
        {
            if (!_pages.TryGetValue(index, out Page? cached) || cached != page || !PageCache.IsReclaimable(page))
            {
                return false;
            }
            RemoveLocked(index, page);
        }
        page.Put();
        return true;
    }

    /// <summary>A page turned dirty by a buffered write or a mapped range: starts the age the background writeback goes by.</summary>
    public void NoteDirtied()
    {
        if (FirstDirtyTicks == 0)
        {
            FirstDirtyTicks = Environment.TickCount64;
        }
        Cache.NoteDirtied();
    }

    /// <summary>Takes the file's writeback lock from synchronous code (a deletion): no writeback of the file runs until it is disposed.</summary>
    public IDisposable LockWriteback()
    {
        WritebackLock.Wait();
        return new WritebackLockReleaser(WritebackLock);
    }

    /// <summary>Drops every page, dirty ones too (the file is deleted, or the volume is going away).</summary>
    public void DropAll()
    {
        List<Page> dropped;
        lock (_lock)
        {
            dropped = [.. _pages.Values];
            foreach (Page page in dropped)
            {
                Cache.Detach(page);
            }
            Interlocked.Add(ref _busy, -_pages.Count);
            _pages.Clear();
            _generation++;
        }
        PutAll(dropped);
    }

    /// <summary>
    /// truncate_inode_pages_range after a size change to <paramref name="size"/>: pages wholly
    /// past it leave the cache (a mapped or pinned one stays its holder's memory, no longer the
    /// file's); the page it ends in keeps its bytes before it and zeroes after, so that a later
    /// growth reads zeroes.
    /// </summary>
    public void Truncate(long size)
    {
        long keep = (size + PageSize.OffsetMask) >> PageSize.Shift;
        List<Page> dropped = [];
        lock (_lock)
        {
            foreach ((long index, Page page) in PastLocked(keep))
            {
                RemoveLocked(index, page);
                dropped.Add(page);
            }
            if ((size & PageSize.OffsetMask) != 0 && _pages.TryGetValue(size >> PageSize.Shift, out Page? partial))
            {
                partial.AsSpan()[(int)(size & PageSize.OffsetMask)..].Clear();
            }
            _generation++;
        }
        PutAll(dropped);
    }

    /// <summary>
    /// A hole punched over file bytes [offset, end): the cached bytes there become zeroes (the
    /// device's are freed or zeroed); whole pages the cache holds alone leave it.
    /// </summary>
    public void Punch(long offset, long end)
    {
        List<Page> dropped = [];
        lock (_lock)
        {
            long first = offset >> PageSize.Shift, last = (end + PageSize.OffsetMask) >> PageSize.Shift;
            foreach ((long index, Page page) in RangeLocked(first, last))
            {
                long start = index << PageSize.Shift;
                long from = Math.Max(offset, start), to = Math.Min(end, start + PageSize.Bytes);
                if (from == start && to == start + PageSize.Bytes && page.RefCount == 1)
                {
                    RemoveLocked(index, page);
                    dropped.Add(page);
                    continue;
                }
                page.AsSpan()[(int)(from - start)..(int)(to - start)].Clear();
            }
            _generation++;
        }
        PutAll(dropped);
    }

    /// <summary>The cached pages at <paramref name="first"/> and after.</summary>
    private List<(long Index, Page Page)> PastLocked(long first)
    {
        var found = new List<(long, Page)>();
        foreach ((long index, Page page) in _pages)
        {
            if (index >= first)
            {
                found.Add((index, page));
            }
        }
        return found;
    }

    private void RemoveLocked(long index, Page page)
    {
        _pages.Remove(index);
        Cache.Detach(page);
        Interlocked.Decrement(ref _busy);
    }

    private static void PutAll(List<Page> pages)
    {
        foreach (Page page in pages)
        {
            page.Put();
        }
    }
}
