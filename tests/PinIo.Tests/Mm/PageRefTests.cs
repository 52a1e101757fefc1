using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Mm;

/// <summary>Reference and pin arithmetic on one page (include/linux/mm.h, page_ref.h).</summary>
public sealed class PageRefTests : PinBalancedTest
{
    private const int Bias = Gup.PinCountingBias;

    [Fact]
    public void PinCountingBias_Is1024()
    {
        Assert.Equal(1024, Gup.PinCountingBias);
    }

    [Fact]
    public void Pin_AddsBiasToRefCountAndOneToPinCount_AndUnpinReversesIt()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();

        Gup.PinUserPage(page);
        Assert.Equal(1 + Bias, page.RefCount);
        Assert.Equal(1, page.PinCount);

        Gup.UnpinUserPage(page);
        Assert.Equal(1, page.RefCount);
        Assert.Equal(0, page.PinCount);
        page.Put();
    }

    [Fact]
    public void GetAndPut_AddAndDropOne_WithoutTouchingPinCount()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();

        page.Get();
        page.Get();
        Assert.Equal(3, page.RefCount);
        Assert.Equal(0, page.PinCount);

        page.Put();
        Assert.Equal(2, page.RefCount);
        page.Put();
        page.Put();
        Assert.Equal(1, pool.FreeCount);
    }

    [Fact]
    public void PinsAndGets_MixedOnOnePage_AddUpExactly()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();

        Gup.PinUserPage(page);
        page.Get();
        Gup.PinUserPage(page);
        page.Get();
        page.Get();
        Assert.Equal(1 + 3 + (2 * Bias), page.RefCount);
        Assert.Equal(2, page.PinCount);

        Gup.UnpinUserPage(page);
        page.Put();
        Assert.Equal(1 + 2 + Bias, page.RefCount);
        Assert.Equal(1, page.PinCount);

        page.Put();
        page.Put();
        Gup.UnpinUserPage(page);
        Assert.Equal(1, page.RefCount);
        Assert.Equal(0, page.PinCount);
        page.Put();
    }

    [Fact]
    public void PinUserPages_OnUserMemory_AddsBiasPerPinAndGetUserPages_AddsOne()
    {
        using var buffer = new NativeBuffer(PageSize.Bytes);
        var pinned = new Page[1];
        var referenced = new Page[1];

        Gup.PinUserPages(buffer.Memory, GupFlags.Write, pinned);
        Gup.GetUserPages(buffer.Memory, GupFlags.None, referenced);
        Page page = pinned[0];
        Assert.Same(page, referenced[0]);
        Assert.Equal(Bias + 1, page.RefCount);
        Assert.Equal(1, page.PinCount);

        referenced[0].Put();
        Assert.Equal(Bias, page.RefCount);
        Gup.UnpinUserPages(pinned);
    }

    [Fact]
    public void MaybeDmaPinned_At1023PlainReferences_IsFalse()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();
        for (int i = 0; i < Bias - 2; i++)
        {
            page.Get();
        }

        Assert.Equal(Bias - 1, page.RefCount);
        Assert.False(page.MaybeDmaPinned);

        PutTimes(page, Bias - 1);
    }

    [Fact]
    public void MaybeDmaPinned_At1024PlainReferences_IsTrue_TheDocumentedFalsePositive()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();
        for (int i = 0; i < Bias - 1; i++)
        {
            page.Get();
        }

        Assert.Equal(Bias, page.RefCount);
        Assert.Equal(0, page.PinCount);
        Assert.True(page.MaybeDmaPinned);

        PutTimes(page, Bias);
    }

    [Fact]
    public void MaybeDmaPinned_WithOnePin_IsTrue_NeverAFalseNegative()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();
        Assert.False(page.MaybeDmaPinned);

        Gup.PinUserPage(page);
        Assert.True(page.MaybeDmaPinned);

        // Still pinned when the pin is the only reference left.
        page.Put();
        Assert.True(page.MaybeDmaPinned);
        Gup.UnpinUserPage(page);
    }

    [Fact]
    public void MaybeDmaPinned_OnPinnedUserPage_IsTrueUntilUnpinned()
    {
        using var buffer = new NativeBuffer(PageSize.Bytes);
        var pages = new Page[1];
        Gup.PinUserPages(buffer.Memory, GupFlags.None, pages);
        Page page = pages[0];

        Assert.True(page.MaybeDmaPinned);
        page.Get();
        Gup.UnpinUserPage(page);
        Assert.False(page.MaybeDmaPinned);
        page.Put();
    }

    [Fact]
    public void Unpin_OfUnpinnedPage_Throws()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();

        Assert.Throws<InvalidOperationException>(() => Gup.UnpinUserPage(page));
        Assert.Throws<InvalidOperationException>(() => Gup.UnpinUserPages([page]));
        Assert.Throws<InvalidOperationException>(() => Gup.UnpinUserPagesDirtyLock([page], makeDirty: true));

        Assert.Equal(1, page.RefCount);
        Assert.Equal(0, page.PinCount);
        page.Put();
    }

    [Fact]
    public void Unpin_OfPageFromGetUserPages_Throws()
    {
        using var buffer = new NativeBuffer(PageSize.Bytes);
        var pages = new Page[1];
        Gup.GetUserPages(buffer.Memory, GupFlags.None, pages);

        Assert.Throws<InvalidOperationException>(() => Gup.UnpinUserPages(pages));
        Assert.Equal(1, pages[0].RefCount);
        pages[0].Put();
    }

    [Fact]
    public void Unpin_Twice_ThrowsTheSecondTime()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();
        Gup.PinUserPage(page);
        Gup.UnpinUserPage(page);

        Assert.Throws<InvalidOperationException>(() => Gup.UnpinUserPage(page));
        Assert.Equal(1, page.RefCount);
        page.Put();
    }

    [Fact]
    public void Put_DroppingAReferenceOnlyAPinHolds_Throws()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();
        Gup.PinUserPage(page);
        page.Put();
        Assert.Equal(Bias, page.RefCount);

        Assert.Throws<InvalidOperationException>(page.Put);
        Assert.Equal(Bias, page.RefCount);
        Assert.Equal(1, page.PinCount);
        Assert.Equal(0, pool.FreeCount);
        Gup.UnpinUserPage(page);
    }

    [Fact]
    public void Put_OnPinnedUserPage_Throws()
    {
        using var buffer = new NativeBuffer(PageSize.Bytes);
        var pages = new Page[1];
        Gup.PinUserPages(buffer.Memory, GupFlags.None, pages);

        Assert.Throws<InvalidOperationException>(pages[0].Put);
        Assert.Equal(Bias, pages[0].RefCount);
        Gup.UnpinUserPages(pages);
    }

    [Fact]
    public void Put_OnFreePoolPage_Throws()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();
        page.Put();

        Assert.Throws<InvalidOperationException>(page.Put);
        Assert.Equal(1, pool.FreeCount);
    }

    [Fact]
    public void Get_OnFreePoolPage_Throws()
    {
        using var pool = new PagePool(1);
        Page page = pool[0];

        Assert.Throws<InvalidOperationException>(page.Get);
        Assert.Equal(0, page.RefCount);
        Assert.Equal(1, pool.FreeCount);
    }

    [Fact]
    public void PinUserPage_OnPageWithNoReference_Throws()
    {
        using var pool = new PagePool(1);
        Page page = pool[0];

        Assert.Throws<InvalidOperationException>(() => Gup.PinUserPage(page));
        Assert.Equal(0, page.RefCount);
        Assert.Equal(0, page.PinCount);
        Assert.Equal(1, pool.FreeCount);
    }

    [Fact]
    public void GetUserPages_WithLongTerm_ThrowsArgumentException()
    {
        using var buffer = new NativeBuffer(PageSize.Bytes);
        var pages = new Page[1];
        long acquired = PinStats.Acquired;

        var e = Assert.Throws<ArgumentException>(() => Gup.GetUserPages(buffer.Memory, GupFlags.LongTerm, pages));
        Assert.Equal("flags", e.ParamName);
        Assert.Null(pages[0]);
        Assert.Equal(acquired, PinStats.Acquired);
    }

    [Fact]
    public void PinUserPages_WithLongTerm_IsAccepted()
    {
        using var buffer = new NativeBuffer(PageSize.Bytes);
        var pages = new Page[1];

        Assert.Equal(1, Gup.PinUserPages(buffer.Memory, GupFlags.LongTerm | GupFlags.Write, pages));
        Assert.Equal(1, pages[0].PinCount);
        Gup.UnpinUserPages(pages);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void UnpinUserPagesDirtyLock_DirtiesPagesOnlyWhenAsked(bool makeDirty)
    {
        using var pool = new PagePool(3);
        Page[] pages = [pool.Alloc(), pool.Alloc(), pool.Alloc()];
        foreach (Page page in pages)
        {
            Gup.PinUserPage(page);
            Assert.False(page.IsDirty);
        }

        Gup.UnpinUserPagesDirtyLock(pages, makeDirty);

        foreach (Page page in pages)
        {
            Assert.Equal(makeDirty, page.IsDirty);
            Assert.Equal(0, page.PinCount);
            page.Put();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void UnpinUserPagesDirtyLock_OnUserPages_DirtiesOnlyWhenAsked(bool makeDirty)
    {
        using var buffer = new NativeBuffer(2 * PageSize.Bytes);
        var pages = new Page[2];
        var held = new Page[2];
        // A second pin keeps the pages in the table, so their state can be read after the first is released.
        Gup.PinUserPages(buffer.Memory, GupFlags.Write, pages);
        Gup.PinUserPages(buffer.Memory, GupFlags.Write, held);

        Gup.UnpinUserPagesDirtyLock(pages, makeDirty);

        Assert.All(held, p => Assert.Equal(makeDirty, p.IsDirty));
        Assert.All(held, p => Assert.Equal(1, p.PinCount));
        Gup.UnpinUserPages(held);
    }

    [Fact]
    public void SetDirty_OnDirtyPage_StaysDirtyThroughDirtyUnpin()
    {
        using var pool = new PagePool(1);
        Page page = pool.Alloc();
        page.SetDirty();
        Gup.PinUserPage(page);

        Gup.UnpinUserPagesDirtyLock([page], makeDirty: false);

        Assert.True(page.IsDirty);
        page.Put();
    }

    [Fact]
    public unsafe void AsSpan_IsThePagesFourKilobytesAtItsAddress()
    {
        using var pool = new PagePool(2);
        Page page = pool.Alloc();
        Span<byte> span = page.AsSpan();
        Assert.Equal(PageSize.Bytes, span.Length);
        Assert.Equal(0, page.Address & (nint)PageSize.OffsetMask);

        TestPattern.Fill(span);

        TestPattern.AssertBytes(TestPattern.Make(PageSize.Bytes), new ReadOnlySpan<byte>((void*)page.Address, PageSize.Bytes));
        page.Put();
    }

    private static void PutTimes(Page page, int times)
    {
        for (int i = 0; i < times; i++)
        {
            page.Put();
        }
    }
}
