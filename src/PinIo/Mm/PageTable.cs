// Follows mm/gup.c (follow_page_mask: from a virtual address to its struct page).
namespace PinIo.Mm;

/// <summary>
/// Maps a virtual page address to the one <see cref="Page"/> that stands for it while it is
/// referenced. Pool pages are found by the pool's range; pages of caller memory are created
/// on first reference and leave the table when their last reference goes. Sharded so that
/// unrelated pages never contend.
/// </summary>
internal static class PageTable
{
    private const int ShardCount = 64;
    private const int SparePagesPerShard = 32;

    private static readonly Shard[] s_shards = CreateShards();
    private static readonly Lock s_poolsLock = new();

    // Live pools by address, sorted, replaced whole on every change: a lookup is a binary
    // search without a lock, so a thousand pools (a job's each) cost every pin ten steps, not a thousand.
    private static PoolRange[] s_pools = [];

    private readonly record struct PoolRange(nint Start, nint End, PagePool Pool);

    private sealed class Shard
    {
        public readonly Lock Lock = new();
        public readonly Dictionary<nint, Page> Pages = [];
        public readonly Stack<Page> Spare = new();
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
            Page page = FindOrAddLocked(shard, pageAddress);
            if (pin)
            {
                page.PinLive();
            }
            else
            {
                page.GetLive();
            }
            if (anchor is not null)
            {
                page.Anchors.Attach(anchor);
            }
            return page;
        }
    }

    /// <summary>
    /// The page object for an address without taking a reference: the referenced page if
    /// there is one, else a detached page that no table holds (for memory the caller owns,
    /// such as a kvec, which is never referenced).
    /// </summary>
    public static Page Peek(nint pageAddress)
    {
        PagePool? pool = FindPool(pageAddress);
        if (pool is not null)
        {
            return pool.PageAt(pageAddress);
        }
        Shard shard = ShardOf(pageAddress);
        lock (shard.Lock)
        {
            return shard.Pages.TryGetValue(pageAddress, out Page? page) ? page : new Page(pageAddress, null, -1);
        }
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
                    count += shard.Pages.Count;
                }
            }
            return count;
        }
    }

    /// <summary>
    /// A table page's count reached zero. A lookup may have revived it meanwhile (it found the
    /// page under the lock and took a reference); only a page still at zero leaves.
    /// </summary>
    public static void OnRefCountZero(Page page)
    {
        Shard shard = ShardOf(page.Address);
        lock (shard.Lock)
        {
            if (!page.IsFree || !shard.Pages.TryGetValue(page.Address, out Page? current) || !ReferenceEquals(current, page))
            {
                return;
            }
            shard.Pages.Remove(page.Address);
            page.Anchors.ReleaseAll();
            if (shard.Spare.Count < SparePagesPerShard)
            {
                shard.Spare.Push(page);
            }
        }
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
        shard.Pages.Add(pageAddress, page);
        return page;
    }

    private static Shard ShardOf(nint pageAddress) => s_shards[(int)((pageAddress >> PageSize.Shift) & (ShardCount - 1))];

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
