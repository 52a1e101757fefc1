// Follows mm/gup.c (follow_page_mask: from a virtual address to its struct page; gup_fast).
using System.Collections.Concurrent;

namespace PinIo.Mm;

/// <summary>
/// Maps a virtual page address to the one <see cref="Page"/> that stands for it while it is
/// referenced (and, for caller memory, for a while after). Pool pages are found by the pool's range; pages of caller memory are created
/// on first reference and, as struct pages outlive their users, stay when their last
/// reference goes — until their shard has grown by <see cref="IdlePagesPerShard"/> since it
/// last dropped its idle pages — so that a buffer used for I/O after I/O costs a lookup, not
/// an insert and a removal. Sharded by 64 KiB region: a request's run of pages takes a lock
/// per region it spans (two for a 64 KiB request at most), and buffers a few KiB apart — the
/// arrays of one heap, used by several threads — seldom share a shard (by 2 MiB region they all
/// did: two threads pinning pre-pinned buffers paid 48 ns a pin and unpin, against 40 by 64 KiB). A pin of
/// pages the table already holds takes no lock at all (<see cref="AcquireRun"/>, as the
/// kernel's gup_fast): the shard's map is read without it and the page's count taken by a
/// compare-and-swap that an idle-page drop, itself a compare-and-swap under the lock, excludes.
/// </summary>
internal static class PageTable
{
    private const int ShardCount = 256;
    private const int SparePagesPerShard = 8;
    private const int RegionShift = 16;
    private const int PagesPerRegion = 1 << (RegionShift - PageSize.Shift);

    /// <summary>How far a shard grows past its size at its last drop of idle pages before it drops them again.</summary>
    internal const int IdlePagesPerShard = 32;

    /// <summary>How far apart two addresses in one shard are, at the least (regions of a shard repeat with this stride).</summary>
    internal const int ShardStrideBytes = ShardCount << RegionShift;

    private static readonly Shard[] s_shards = CreateShards();
    private static readonly Lock s_poolsLock = new();

    // Live pools by address, sorted, replaced whole on every change: a lookup is a binary
    // search without a lock, so a thousand pools (a job's each) cost every pin ten steps, not a thousand.
    private static PoolRange[] s_pools = [];

    private readonly record struct PoolRange(nint Start, nint End, PagePool Pool);

    private sealed class Shard
    {
        public readonly Lock Lock = new();

        /// <summary>Changed only under <see cref="Lock"/>; read without it by the lockless pin.</summary>
        public readonly ConcurrentDictionary<nint, Page> Pages = new();

        public readonly Stack<Page> Spare = new();

        /// <summary>How many pages <see cref="Pages"/> holds: its own Count takes every one of its locks.</summary>
        public int PageCount;

        /// <summary>Idle pages are dropped when the shard grows past this: its size after the last drop, plus the bound.</summary>
        public int DropIdleAbove = IdlePagesPerShard;
    }

    public static void RegisterPool(PagePool pool)
    {
        var range = new PoolRange(pool.BaseAddress, pool.BaseAddress + (nint)pool.SizeBytes, pool);
        lock (s_poolsLock)
        {
            PoolRange[] pools = s_pools;
            int at = IndexAfter(pools, range.Start);
            Volatile.Write(ref s_pools, [.. pools.AsSpan(0, at), range, .. pools.AsSpan(at)]);
        }
    }

    public static void UnregisterPool(PagePool pool)
    {
        lock (s_poolsLock)
        {
            Volatile.Write(ref s_pools, Array.FindAll(s_pools, p => !ReferenceEquals(p.Pool, pool)));
        }
    }

    public static PagePool? FindPool(nint address)
    {
        PoolRange[] pools = Volatile.Read(ref s_pools);
        int at = IndexAfter(pools, address) - 1;
        return at >= 0 && address < pools[at].End ? pools[at].Pool : null;
    }

    /// <summary>The index of the first pool that starts above <paramref name="address"/>.</summary>
    private static int IndexAfter(PoolRange[] pools, nint address)
    {
        int low = 0;
        int high = pools.Length;
        while (low < high)
        {
            int middle = (low + high) >>> 1;
            if (pools[middle].Start <= address)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    /// <summary>
    /// Pins (or, without <paramref name="pin"/>, takes a plain reference on) the page at
    /// <paramref name="pageAddress"/>; anchors <paramref name="anchor"/> to it for managed memory.
    /// </summary>
    public static Page AcquireAt(nint pageAddress, GcAnchor? anchor, bool pin)
    {
        PagePool? pool = FindPool(pageAddress);
        if (pool is not null)
        {
            Page poolPage = pool.PageAt(pageAddress);
            if (pin)
            {
                poolPage.PinReferenced();
            }
            else
            {
                poolPage.Get();
            }
            return poolPage;
        }
        Shard shard = ShardOf(pageAddress);
        lock (shard.Lock)
        {
            return AcquireLocked(shard, pageAddress, anchor, pin, countPin: true);
        }
    }

    /// <summary>
    /// Pins (or references) the pages of caller memory from <paramref name="first"/> into
    /// <paramref name="pages"/>, one lock per 64 KiB region; no pool may hold any of them (see
    /// <see cref="HoldsNoPoolPage"/>). <paramref name="taken"/> counts the pages held so far,
    /// for the caller to release should this throw. Pins are counted once for the run unless
    /// pin owners are tracked.
    /// </summary>
    public static void AcquireRun(nint first, Span<Page> pages, GcAnchor? anchor, bool pin, ref int taken)
    {
        bool countEach = !pin || PinStats.TracksOwners;
        int start = taken;
        try
        {
            if (!countEach && anchor is null)
            {
                PinHeldPagesLockless(first, pages, ref taken);
            }
            while (taken < pages.Length)
            {
                nint address = first + ((nint)taken << PageSize.Shift);
                int end = Math.Min(pages.Length, taken + PagesPerRegion - (int)((address >> PageSize.Shift) & (PagesPerRegion - 1)));
                Shard shard = ShardOf(address);
                lock (shard.Lock)
                {
                    for (; taken < end; taken++, address += PageSize.Bytes)
                    {
                        pages[taken] = AcquireLocked(shard, address, anchor, pin, countEach);
                    }
                }
            }
        }
        finally
        {
            if (!countEach)
            {
                PinStats.OnPinnedRun(taken - start);
            }
        }
    }

    /// <summary>
    /// gup_fast: pins the run's pages from <paramref name="taken"/> on, as long as the table holds
    /// each and none is being dropped, without the shard's lock; the locked walk takes the rest.
    /// Only pins of memory that never moves come here: a GC anchor is attached under the lock.
    /// </summary>
    private static void PinHeldPagesLockless(nint first, Span<Page> pages, ref int taken)
    {
        for (nint address = first + ((nint)taken << PageSize.Shift); taken < pages.Length; taken++, address += PageSize.Bytes)
        {
            if (!ShardOf(address).Pages.TryGetValue(address, out Page? page) || !page.TryPinFast(address))
            {
                return;
            }
            pages[taken] = page;
        }
    }

    /// <summary>Whether no pool holds a page from <paramref name="first"/> to <paramref name="last"/> (page addresses).</summary>
    public static bool HoldsNoPoolPage(nint first, nint last)
    {
        PoolRange[] pools = Volatile.Read(ref s_pools);
        int at = IndexAfter(pools, first);
        return (at == 0 || first >= pools[at - 1].End) && IndexAfter(pools, last) == at;
    }

    private static Page AcquireLocked(Shard shard, nint pageAddress, GcAnchor? anchor, bool pin, bool countPin)
    {
        Page page = FindOrAddLocked(shard, pageAddress);
        if (page.IsFree)
        {
            page.ClearDirty(); // an idle page starts its next use clean, as a new one would
        }
        if (!pin)
        {
            page.GetLive();
        }
        else if (countPin)
        {
            page.PinLive();
        }
        else
        {
            page.PinLiveUncounted();
        }
        if (anchor is not null)
        {
            page.Anchors.Attach(anchor);
        }
        return page;
    }

    /// <summary>
    /// The page object for an address without taking a reference: the table's page if it holds
    /// one (referenced or idle), else a detached page that no table holds (for memory the caller owns,
    /// such as a kvec, which is never referenced).
    /// </summary>
    public static Page Peek(nint pageAddress)
    {
        PagePool? pool = FindPool(pageAddress);
        if (pool is not null)
        {
            return pool.PageAt(pageAddress);
        }
        return ShardOf(pageAddress).Pages.TryGetValue(pageAddress, out Page? page) ? page : new Page(pageAddress, null, -1);
    }

    /// <summary>Number of pages of caller memory currently referenced.</summary>
    public static int ReferencedUserPages
    {
        get
        {
            int count = 0;
            foreach (Shard shard in s_shards)
            {
                lock (shard.Lock)
                {
                    foreach (KeyValuePair<nint, Page> entry in shard.Pages)
                    {
                        count += entry.Value.IsFree ? 0 : 1;
                    }
                }
            }
            return count;
        }
    }

    /// <summary>Whether the table holds a page for <paramref name="pageAddress"/>, referenced or idle.</summary>
    public static bool Holds(nint pageAddress) => ShardOf(pageAddress).Pages.ContainsKey(pageAddress);

    /// <summary>
    /// A table page's count reached zero. With no GC anchor to drop and room in its shard it
    /// stays, idle, without taking the lock: a lookup that revives it meanwhile (locked or not)
    /// owns it again, and a page that gains an anchor is not idle. Otherwise, under the lock, a page still at
    /// zero drops its anchors, and a full shard drops its other idle pages — those of buffers
    /// gone or gone cold — so that the pages in use now are the ones that stay.
    /// </summary>
    public static void OnRefCountZero(Page page)
    {
        Shard shard = ShardOf(page.Address);
        if (page.Anchors.IsEmpty && Volatile.Read(ref shard.PageCount) <= Volatile.Read(ref shard.DropIdleAbove))
        {
            return;
        }
        lock (shard.Lock)
        {
            if (!page.IsFree || !shard.Pages.TryGetValue(page.Address, out Page? current) || !ReferenceEquals(current, page))
            {
                return;
            }
            page.Anchors.ReleaseAll();
            if (shard.PageCount > shard.DropIdleAbove)
            {
                DropIdleLocked(shard, keep: page);
            }
        }
    }

    /// <summary>
    /// Drops the idle pages of <paramref name="pageAddress"/>'s shard now, as a full shard does:
    /// the shard's bound then counts from its live pages, whatever pages it held before.
    /// </summary>
    internal static void DropIdlePagesOfShard(nint pageAddress)
    {
        Shard shard = ShardOf(pageAddress);
        lock (shard.Lock)
        {
            DropIdleLocked(shard, keep: null);
        }
    }

    /// <summary>
    /// Removes every idle page of the shard but <paramref name="keep"/>. The shard then grows by
    /// <see cref="IdlePagesPerShard"/> pages before the next pass, so a pass's walk costs each
    /// page added since O(size / bound). A page is marked dropped before it leaves, so that a
    /// lockless pin that found it in the map fails rather than revive a page the table no longer holds.
    /// </summary>
    private static void DropIdleLocked(Shard shard, Page? keep)
    {
        foreach (KeyValuePair<nint, Page> entry in shard.Pages)
        {
            Page idle = entry.Value;
            if (!ReferenceEquals(idle, keep) && idle.TryMarkDropped())
            {
                shard.Pages.TryRemove(entry.Key, out _); // allowed while the map is enumerated
                shard.PageCount--;
                idle.Anchors.ReleaseAll();
                if (shard.Spare.Count < SparePagesPerShard)
                {
                    shard.Spare.Push(idle);
                }
            }
        }
        Volatile.Write(ref shard.DropIdleAbove, shard.PageCount + IdlePagesPerShard);
    }

    private static Page FindOrAddLocked(Shard shard, nint pageAddress)
    {
        if (shard.Pages.TryGetValue(pageAddress, out Page? page))
        {
            return page;
        }
        if (shard.Spare.TryPop(out page))
        {
            page.Recycle(pageAddress);
        }
        else
        {
            page = new Page(pageAddress, null, -1);
        }
        shard.Pages[pageAddress] = page;
        shard.PageCount++;
        return page;
    }

    private static Shard ShardOf(nint pageAddress) => s_shards[(int)((pageAddress >> RegionShift) & (ShardCount - 1))];

    private static Shard[] CreateShards()
    {
        var shards = new Shard[ShardCount];
        for (int i = 0; i < shards.Length; i++)
        {
            shards[i] = new Shard();
        }
        return shards;
    }
}
