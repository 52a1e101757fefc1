// Follows mm/filemap.c (filemap_fault, filemap_map_pages: the cache's own pages mapped into the caller's address space).
using PinIo.Mm;

namespace PinIo.Fs;

internal sealed partial class FileCache
{
    /// <summary>
    /// Lends the cache pages of file bytes [offset, offset + length) (offset page-aligned) as
    /// one span of memory: the range's pages must be adjacent pool pages, so when they are not,
    /// a fresh adjacent run is filled from the device, the cached pages' bytes (and dirty bits)
    /// are moved into it, and it replaces them — possible only while the cache holds those
    /// pages alone (EBUSY when another mapping or a pin holds one, after a few tries).
    /// </summary>
    public async ValueTask<MappedRange> MapAsync(long offset, int length, CancellationToken ct)
    {
        long first = offset >> PageSize.Shift;
        int count = PageSize.PagesSpanned(0, length);
        for (int attempt = 0; ; attempt++)
        {
            if (TryTakeAdjacent(first, count) is { } taken)
            {
                Cache.CountHits(count);
                return new MappedRange(this, taken, offset, length);
            }
            Page run = Cache.TryAllocRun(count) ?? await AllocRunAfterWritebackAsync(count, ct).ConfigureAwait(false);
            Page[] pages = new Page[count];
            for (int k = 0; k < count; k++)
            {
                pages[k] = Cache.Pool[run.PoolIndex + k];
            }
            Cache.CountMisses(count);
            bool placed = false;
            BeginFill();
            try
            {
                long generation = Generation;
                await ReadIntoAsync(first, pages, ct).ConfigureAwait(false);
                placed = TryReplace(first, pages, generation);
                if (placed)
                {
                    return new MappedRange(this, pages, offset, length);
                }
            }
            finally
            {
                EndFill();
                if (!placed)
                {
                    // Not placed: the run goes back (each page's allocation reference).
                    PutAll([.. pages]);
                }
            }
            if (attempt >= 20)
            {
                ThrowHelper.ThrowDirectIo(Errno.EBUSY, $"mapping bytes [{offset}, +{length}) of \"{Inode.Name}\": a page of the range is held by another MappedRange or a pin, " +
                    "so the range cannot be made one span of memory: dispose the other MappedRange (or map the same range exactly)");
            }
            await Task.Delay(attempt < 5 ? 0 : 1, ct).ConfigureAwait(false);
        }
    }

    private async ValueTask<Page> AllocRunAfterWritebackAsync(int count, CancellationToken ct)
    {
        await Cache.WritebackAllAsync(ct).ConfigureAwait(false);
        Page? run = Cache.TryAllocRun(count);
        if (run is null)
        {
            ThrowHelper.ThrowDirectIo(Errno.ENOMEM, $"the page cache of {Cache.CapacityPages} pages has no {count} adjacent pages free for a mapped range of \"{Inode.Name}\": " +
                "map a smaller range, dispose other MappedRange objects, or raise VolumeOptions.PageCacheBytes");
        }
        return run;
    }

    /// <summary>The range's cached pages with a reference each, when all are cached and adjacent in the pool; else null.</summary>
    private Page[]? TryTakeAdjacent(long first, int count)
    {
        lock (_lock)
        {
            if (!_pages.TryGetValue(first, out Page? head))
            {
                return null;
            }
            Page[] pages = new Page[count];
            for (int k = 0; k < count; k++)
            {
                if (!_pages.TryGetValue(first + k, out Page? page) || page.Pool != head.Pool || page.PoolIndex != head.PoolIndex + k)
                {
                    return null;
                }
                pages[k] = page;
            }
            foreach (Page page in pages)
            {
                page.Get();
                Cache.Touch(page);
            }
            return pages;
        }
    }

    /// <summary>
    /// Puts the filled run in place of the range's pages: a cached page's bytes and dirty bit
    /// move into the run (it is newer than the device). False, changing nothing, when a cached
    /// page of the range is held by anyone but the cache or the mapping changed meanwhile.
    /// The run's allocation references become the cache's; the caller gets one more each.
    /// </summary>
    private bool TryReplace(long first, Page[] run, long generation)
    {
        List<Page> replaced = [];
        lock (_lock)
        {
            if (generation != _generation)
            {
                return false;
            }
            for (int k = 0; k < run.Length; k++)
            {
                if (_pages.TryGetValue(first + k, out Page? old) && old.RefCount != 1)
                {
                    return false;
                }
            }
            for (int k = 0; k < run.Length; k++)
            {
                if (_pages.TryGetValue(first + k, out Page? old))
                {
                    old.AsSpan().CopyTo(run[k].AsSpan());
                    if (old.IsDirty)
                    {
                        run[k].SetDirty();
                    }
                    RemoveLocked(first + k, old);
                    replaced.Add(old);
                }
                _pages.Add(first + k, run[k]);
                Cache.Attach(run[k], this, first + k);
                Interlocked.Increment(ref _busy);
                run[k].Get();
            }
        }
        PutAll(replaced);
        return true;
    }
}
