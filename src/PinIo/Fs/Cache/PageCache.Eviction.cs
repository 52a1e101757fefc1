// Follows mm/vmscan.c (shrink_folio_list: a folio is reclaimable only when clean, unmapped, not under writeback and referenced by no one else).
using PinIo.Mm;

namespace PinIo.Fs;

/// <summary>
/// CLOCK (second chance) over the pool's pages: the hand sweeps pool slots in order; a page
/// used since the hand last passed (its referenced bit) is spared once; a page is evicted only
/// when the cache's own reference is its only one (<c>RefCount == 1</c>: no reader, writer,
/// writeback, MappedRange or pin — a pin adds 1024) and it is clean. CLOCK rather than LRU
/// lists: a hit costs one plain store, no list lock and no list move on the read path, and
/// its approximation of LRU is what the kernel's own active/inactive lists are; a scan-resistant
/// policy (2Q, ARC) would help one-pass scans at the cost of a ghost list per file.
/// </summary>
internal sealed partial class PageCache
{
    private readonly Lock _clockLock = new();
    private int _hand;

    /// <summary>Evicts up to <paramref name="want"/> pages; returns how many. At most two sweeps of the clock.</summary>
    public int EvictSome(int want)
    {
        PagePool? pool = Volatile.Read(ref _pool);
        if (pool is null)
        {
            return 0;
        }
        int freed = 0;
        lock (_clockLock)
        {
            int n = _slots.Length;
            for (int scanned = 0; scanned < 2 * n && freed < want; scanned++)
            {
                int i = _hand;
                _hand = i + 1 == n ? 0 : i + 1;
                ref CacheSlot slot = ref _slots[i];
                FileCache? owner = Volatile.Read(ref slot.Owner);
                if (owner is null)
                {
                    continue;
                }
                if (slot.Referenced != 0)
                {
                    slot.Referenced = 0;
                    continue;
                }
                Page page = pool[i];
                if (page.RefCount == 1 && !page.IsDirty && owner.TryEvict(slot.Index, page))
                {
                    freed++;
                }
            }
        }
        Interlocked.Add(ref _evictions, freed);
        return freed;
    }

    /// <summary>True when the page may be dropped: only the cache holds it, and it is clean.</summary>
    internal static bool IsReclaimable(Page page) => page.RefCount == 1 && !page.IsDirty;
}
