using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Mm;

/// <summary>Pool pages: one reference from Alloc, free only at zero (mm/page_alloc.c).</summary>
public sealed class PagePoolTests : PinBalancedTest
{
    [Fact]
    public void Alloc_GivesAPageWithOneReference()
    {
        using var pool = new PagePool(4);
        long inUse = PinStats.PoolPagesInUse;

        Page page = pool.Alloc();

        Assert.Equal(1, page.RefCount);
        Assert.Equal(0, page.PinCount);
        Assert.False(page.IsDirty);
        Assert.Equal(3, pool.FreeCount);
        Assert.Equal(inUse + 1, PinStats.PoolPagesInUse);
        Assert.True(page.Address >= pool.BaseAddress && page.Address < pool.BaseAddress + (nint)pool.SizeBytes);
        Assert.Equal(0, page.Address & (nint)PageSize.OffsetMask);
        page.Put();
    }

    [Fact]
    public void Put_ToZero_ReturnsThePageToTheFreeList()
    {
        using var pool = new PagePool(2);
        Page page = pool.Alloc();
        page.Get();

        page.Put();
        Assert.Equal(1, pool.FreeCount);
        page.Put();
        Assert.Equal(2, pool.FreeCount);
        Assert.Equal(0, page.RefCount);
    }

    [Fact]
    public void Alloc_AfterFree_HandsOutACleanPage()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();
        page.SetDirty();
        page.Put();

        Page again = pool.Alloc();

        Assert.Same(page, again);
        Assert.Equal(1, again.RefCount);
        Assert.False(again.IsDirty);
        again.Put();
    }

    [Fact]
    public void PinnedPoolPage_WhoseLastPlainReferenceIsPut_StaysOutOfTheFreeListUntilUnpinned()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();
        Gup.PinUserPage(page);

        page.Put();

        Assert.Equal(0, pool.FreeCount);
        Assert.Equal(Gup.PinCountingBias, page.RefCount);
        Assert.False(pool.TryAlloc(out _));

        Gup.UnpinUserPage(page);
        Assert.Equal(1, pool.FreeCount);
        Assert.Equal(0, page.RefCount);
    }

    [Fact]
    public void Alloc_OnExhaustedPool_ThrowsEnomem_AndTryAllocReturnsFalse()
    {
        using var pool = new PagePool(2);
        Page a = pool.Alloc();
        Page b = pool.Alloc();

        var e = Assert.Throws<DirectIoException>(pool.Alloc);
        Assert.Equal(Errno.ENOMEM, e.Errno);
        Assert.False(pool.TryAlloc(out Page? none));
        Assert.Null(none);
        Assert.Null(pool.TryAllocContiguous(1));

        b.Put();
        Assert.True(pool.TryAlloc(out Page? c));
        Assert.Same(b, c);
        a.Put();
        c.Put();
    }

    [Fact]
    public void TryAllocContiguous_GivesAdjacentPagesEachWithOneReference()
    {
        using var pool = new PagePool(8);
        Page single = pool.Alloc();

        Page? first = pool.TryAllocContiguous(4);

        Assert.NotNull(first);
        for (int i = 0; i < 4; i++)
        {
            Page page = pool[first.PoolIndex + i];
            Assert.Equal(first.Address + (i * PageSize.Bytes), page.Address);
            Assert.Equal(1, page.RefCount);
        }
        Assert.Equal(3, pool.FreeCount);
        Assert.Null(pool.TryAllocContiguous(4));
        for (int i = 0; i < 4; i++)
        {
            pool[first.PoolIndex + i].Put();
        }
        single.Put();
        Assert.Equal(8, pool.FreeCount);
    }

    [Fact]
    public void TryAllocContiguous_SkipsARunBrokenByAnAllocatedPage()
    {
        using var pool = new PagePool(6);
        Page[] all = [.. Enumerable.Range(0, 6).Select(_ => pool.Alloc())];
        // Free pages 0, 1, 3, 4, 5: the only run of three is 3..5.
        foreach (int i in new[] { 0, 1, 3, 4, 5 })
        {
            all[i].Put();
        }

        Page? run = pool.TryAllocContiguous(3);

        Assert.Same(all[3], run);
        Assert.Null(pool.TryAllocContiguous(3));
        all[2].Put();
        all[3].Put();
        all[4].Put();
        all[5].Put();
    }

    [Fact]
    public void Dispose_WithNoPageReferenced_FreesTheMemory()
    {
        long leaked = PinStats.LeakedPoolPages;
        var pool = new PagePool(2);
        pool.Alloc().Put();

        pool.Dispose();

        Assert.Equal(leaked, PinStats.LeakedPoolPages);
        Assert.Equal(0, pool.BaseAddress);
        Assert.Throws<ObjectDisposedException>(pool.Alloc);
    }

    [Fact]
    public void Dispose_WithAPageStillReferenced_KeepsTheMemoryAndReportsTheLeak()
    {
        long leaked = PinStats.LeakedPoolPages;
        long inUse = PinStats.PoolPagesInUse;
        var pool = new PagePool(3);
        Page page = pool.Alloc();
        Gup.PinUserPage(page);
        TestPattern.Fill(page.AsSpan());

        pool.Dispose();

        Assert.Equal(leaked + 1, PinStats.LeakedPoolPages);
        Assert.NotEqual(0, pool.BaseAddress);
        Assert.Equal(inUse + 1, PinStats.PoolPagesInUse);
        // The memory under I/O is still there and still holds what was written.
        TestPattern.AssertBytes(TestPattern.Make(PageSize.Bytes), page.AsSpan());
        page.Put();
        Assert.Equal(inUse + 1, PinStats.PoolPagesInUse);

        // The page can still be released after the pool is gone.
        Gup.UnpinUserPage(page);
        Assert.Equal(0, page.RefCount);
        Assert.Equal(inUse, PinStats.PoolPagesInUse);
        // With the last page back, the disposed pool's memory is freed after all.
        Assert.Equal(0, pool.BaseAddress);
        Assert.Equal(3, pool.FreeCount);
    }

    [Fact]
    public void LeakedPoolPages_CountsOnlyThePagesStillOut_SoZeroMeansNothingLeaked()
    {
        long leaked = PinStats.LeakedPoolPages;
        var pool = new PagePool(4);
        Page first = pool.Alloc();
        Page second = pool.Alloc();

        pool.Dispose();
        Assert.Equal(leaked + 2, PinStats.LeakedPoolPages);
        first.Put();
        Assert.Equal(leaked + 1, PinStats.LeakedPoolPages);
        second.Put();

        Assert.Equal(leaked, PinStats.LeakedPoolPages);
        Assert.Equal(0, pool.BaseAddress);
    }

    [Fact]
    public void Dispose_Twice_ReportsTheLeakOnce()
    {
        long leaked = PinStats.LeakedPoolPages;
        var pool = new PagePool(2);
        Page page = pool.Alloc();

        pool.Dispose();
        pool.Dispose();

        Assert.Equal(leaked + 1, PinStats.LeakedPoolPages);
        page.Put();
    }

    [Fact]
    public void Constructor_WithNoPages_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagePool(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PagePool(-1));
    }
}
