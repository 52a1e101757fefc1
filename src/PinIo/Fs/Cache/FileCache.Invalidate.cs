// Follows mm/truncate.c (invalidate_inode_pages2_range: a folio that is mapped or pinned cannot go; -EBUSY) and fs/iomap/direct-io.c (kiocb_invalidate_post_direct_write).
using PinIo.Mm;

namespace PinIo.Fs;

internal sealed partial class FileCache
{
    /// <summary>
    /// After a Direct write of file bytes [offset, end): clean pages the cache holds alone
    /// leave it, so the next buffered read fetches what the write put on the device. A page
    /// that cannot leave — mapped, pinned, or in a reader's hands — is counted
    /// (<see cref="PageCacheStats.InvalidateFailures"/>, the kernel's EBUSY) and refreshed in
    /// place from the device, so that what it shows is the file's data. A page dirtied again
    /// since the write-back before the Direct write keeps the newer bytes (last writer wins).
    /// </summary>
    public async ValueTask InvalidateAfterDirectWriteAsync(long offset, long end, CancellationToken ct)
    {
        long first = offset >> PageSize.Shift, last = (end + PageSize.OffsetMask) >> PageSize.Shift;
        List<Page> dropped = [];
        List<(long Index, Page Page)> busy = [];
        lock (_lock)
        {
            _generation++;
            foreach ((long index, Page page) in RangeLocked(first, last))
            {
                if (PageCache.IsReclaimable(page))
                {
                    RemoveLocked(index, page);
                    dropped.Add(page);
                }
                else if (!page.IsDirty)
                {
                    page.Get();
                    busy.Add((index, page));
                }
                else
                {
                    Cache.CountInvalidateFailure();
                }
            }
        }
        PutAll(dropped);
        try
        {
            foreach ((long index, Page page) in busy)
            {
                Cache.CountInvalidateFailure();
                await RefreshAsync(index, page, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach ((_, Page page) in busy)
            {
                page.Put();
            }
        }
    }

    /// <summary>The cached pages of indices [first, last), walking whichever of the range and the index is smaller.</summary>
    private List<(long Index, Page Page)> RangeLocked(long first, long last)
    {
        var found = new List<(long, Page)>();
        if (last - first <= _pages.Count)
        {
            for (long i = first; i < last; i++)
            {
                if (_pages.TryGetValue(i, out Page? page))
                {
                    found.Add((i, page));
                }
            }
            return found;
        }
        foreach ((long index, Page page) in _pages)
        {
            if (index >= first && index < last)
            {
                found.Add((index, page));
            }
        }
        return found;
    }

    /// <summary>Reads the device's bytes of page <paramref name="index"/> into a spare page, then over the live one.</summary>
    private async ValueTask RefreshAsync(long index, Page live, CancellationToken ct)
    {
        Page spare = await Cache.AllocPageAsync(ct).ConfigureAwait(false);
        try
        {
            await ReadIntoAsync(index, [spare], ct).ConfigureAwait(false);
            if (!live.IsDirty)
            {
                spare.AsSpan().CopyTo(live.AsSpan());
            }
        }
        finally
        {
            spare.Put();
        }
    }
}
