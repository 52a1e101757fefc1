// Follows mm/fadvise.c (POSIX_FADV_DONTNEED: write back, then mapping_try_invalidate) and mm/truncate.c (invalidate_mapping_pages: only clean pages no one else holds).
using PinIo.Mm;

namespace PinIo.Fs;

internal sealed partial class FileCache
{
    /// <summary>
    /// Drops the clean pages of file bytes [offset, end) that only the cache holds; a page that
    /// is dirty, mapped, pinned or in use stays (invalidate_mapping_pages skips what it cannot
    /// take, and says nothing). Returns the pages dropped.
    /// </summary>
    public int DropClean(long offset, long end)
    {
        long first = offset >> PageSize.Shift;
        // Rounded up without overflow: end may be long.MaxValue, "to the end of the file".
        long last = (end >> PageSize.Shift) + ((end & PageSize.OffsetMask) != 0 ? 1 : 0);
        List<Page> dropped = [];
        lock (_lock)
        {
            foreach ((long index, Page page) in RangeLocked(first, last))
            {
                if (PageCache.IsReclaimable(page))
                {
                    RemoveLocked(index, page);
                    dropped.Add(page);
                }
            }
        }
        PutAll(dropped);
        return dropped.Count;
    }
}
