using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Mm;

/// <summary>pin_user_pages / get_user_pages over caller memory (mm/gup.c), after gup_test.c.</summary>
public sealed class GupTests : PinBalancedTest
{
    private const int BufferBytes = 0x100000;

    [Theory]
    [MemberData(nameof(KunitRanges.All), MemberType = typeof(KunitRanges))]
    public void PinUserPages_OfNativeRange_PinsEveryPageCoveringIt(int from, int to)
    {
        using var buffer = new NativeBuffer(BufferBytes);
        AssertPinsRange(buffer.Memory[from..to], buffer.Address, from, to);
    }

    [Theory]
    [MemberData(nameof(KunitRanges.All), MemberType = typeof(KunitRanges))]
    public void PinUserPages_OfManagedRange_PinsEveryPageCoveringIt(int from, int to)
    {
        Memory<byte> memory = ManagedBuffers.PageAlignedPinnedHeap(BufferBytes, out _);
        AssertPinsRange(memory[from..to], ManagedBuffers.AddressOf(memory), from, to);
    }

    [Fact]
    public void PinUserPages_StopsAtPagesLength()
    {
        using var buffer = new NativeBuffer(8 * PageSize.Bytes);
        var pages = new Page[3];
        long acquired = PinStats.Acquired;

        int n = Gup.PinUserPages(buffer.Memory[0x27..], GupFlags.Write, pages);

        Assert.Equal(3, n);
        Assert.Equal(acquired + 3, PinStats.Acquired);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(buffer.Address + (i * PageSize.Bytes), pages[i].Address);
        }
        Gup.UnpinUserPages(pages);
    }

    [Fact]
    public void PinUserPages_OfEmptyBufferOrIntoNoPages_PinsNothing()
    {
        using var buffer = new NativeBuffer(PageSize.Bytes);
        long acquired = PinStats.Acquired;

        Assert.Equal(0, Gup.PinUserPages(Memory<byte>.Empty, GupFlags.None, new Page[4]));
        Assert.Equal(0, Gup.PinUserPages(buffer.Memory, GupFlags.None, Span<Page>.Empty));
        Assert.Equal(acquired, PinStats.Acquired);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PinUserPages_OfTwoHalvesOfOnePage_SeeOnePageWithPinCountTwo(bool managed)
    {
        using var native = new NativeBuffer(PageSize.Bytes);
        Memory<byte> page = managed ? ManagedBuffers.PageAlignedPinnedHeap(PageSize.Bytes, out _) : native.Memory;
        int before = PageTable.ReferencedUserPages;
        var first = new Page[1];
        var second = new Page[1];

        Assert.Equal(1, Gup.PinUserPages(page[..2048], GupFlags.Write, first));
        Assert.Equal(1, Gup.PinUserPages(page[2048..], GupFlags.Write, second));

        Assert.Same(first[0], second[0]);
        Assert.Equal(2, first[0].PinCount);
        Assert.Equal(2 * Gup.PinCountingBias, first[0].RefCount);
        Assert.Equal(before + 1, PageTable.ReferencedUserPages);

        Gup.UnpinUserPages(first);
        Assert.Equal(1, second[0].PinCount);
        Assert.Equal(before + 1, PageTable.ReferencedUserPages);

        Gup.UnpinUserPages(second);
        Assert.Equal(before, PageTable.ReferencedUserPages);
    }

    [Fact]
    public void PinUserPages_OfOverlappingRanges_ShareThePagesInCommon()
    {
        using var buffer = new NativeBuffer(4 * PageSize.Bytes);
        var a = new Page[2];
        var b = new Page[3];

        Assert.Equal(2, Gup.PinUserPages(buffer.Memory[100..(PageSize.Bytes + 100)], GupFlags.None, a));
        Assert.Equal(3, Gup.PinUserPages(buffer.Memory[(PageSize.Bytes + 5)..(3 * PageSize.Bytes + 1)], GupFlags.None, b));

        Assert.Same(a[1], b[0]);
        Assert.Equal([1, 2, 1, 1], new[] { a[0], a[1], b[1], b[2] }.Select(p => p.PinCount));
        Gup.UnpinUserPages(a);
        Assert.Equal(1, b[0].PinCount);
        Gup.UnpinUserPages(b);
    }

    [Fact]
    public void GetUserPages_TakesPlainReferences_ThatPutReleases()
    {
        using var buffer = new NativeBuffer(3 * PageSize.Bytes);
        int before = PageTable.ReferencedUserPages;
        long acquired = PinStats.Acquired;
        var pages = new Page[3];

        Assert.Equal(3, Gup.GetUserPages(buffer.Memory[1..], GupFlags.Write, pages));

        Assert.All(pages, p => Assert.Equal(1, p.RefCount));
        Assert.All(pages, p => Assert.Equal(0, p.PinCount));
        Assert.All(pages, p => Assert.False(p.MaybeDmaPinned));
        Assert.Equal(acquired, PinStats.Acquired);
        Assert.Equal(before + 3, PageTable.ReferencedUserPages);
        foreach (Page page in pages)
        {
            page.Put();
        }
        Assert.Equal(before, PageTable.ReferencedUserPages);
    }

    [Fact]
    public void PinUserPages_OfPoolMemory_PinsThePoolsOwnPages()
    {
        using var pool = new PagePool(2);
        Page page = pool.Alloc();
        using var view = new NativeView(page.Address, PageSize.Bytes);
        int before = PageTable.ReferencedUserPages;
        var pages = new Page[1];

        Assert.Equal(1, Gup.PinUserPages(view.Memory[10..20], GupFlags.Write, pages));

        Assert.Same(page, pages[0]);
        Assert.Equal(1 + Gup.PinCountingBias, page.RefCount);
        Assert.Equal(before, PageTable.ReferencedUserPages);
        Gup.UnpinUserPages(pages);
        page.Put();
    }

    [Fact]
    public void PinUserPages_OfFreePoolMemory_ThrowsAndPinsNothing()
    {
        using var pool = new PagePool(3);
        Page held = pool.Alloc();
        using var view = new NativeView(pool.BaseAddress, 3 * PageSize.Bytes);
        long acquired = PinStats.Acquired;
        long released = PinStats.Released;
        var pages = new Page[3];

        // The first page is referenced, the second free: pinning stops and undoes the first pin.
        Assert.Throws<InvalidOperationException>(() => Gup.PinUserPages(view.Memory, GupFlags.None, pages));

        Assert.Equal(1, held.RefCount);
        Assert.Equal(0, held.PinCount);
        Assert.Equal(PinStats.Acquired - acquired, PinStats.Released - released);
        held.Put();
    }

    private static void AssertPinsRange(Memory<byte> range, nint baseAddress, int from, int to)
    {
        int expected = to > from ? ((to - 1) / PageSize.Bytes) - (from / PageSize.Bytes) + 1 : 0;
        var pages = new Page[BufferBytes / PageSize.Bytes];
        long acquired = PinStats.Acquired;
        int before = PageTable.ReferencedUserPages;

        int n = Gup.PinUserPages(range, GupFlags.Write, pages);

        Assert.Equal(expected, n);
        Assert.Equal(acquired + expected, PinStats.Acquired);
        Assert.Equal(before + expected, PageTable.ReferencedUserPages);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(baseAddress + (((from / PageSize.Bytes) + i) * PageSize.Bytes), pages[i].Address);
            Assert.Equal(1, pages[i].PinCount);
        }
        Assert.All(pages[n..], Assert.Null);
        Gup.UnpinUserPages(pages.AsSpan(0, n));
        Assert.Equal(before, PageTable.ReferencedUserPages);
    }
}
