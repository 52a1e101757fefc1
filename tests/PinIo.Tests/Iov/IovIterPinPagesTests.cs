using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Iov;

/// <summary>
/// Page acquisition for Direct I/O (iov_iter_pin_user_pages / extract_pages): pins for iovec
/// and pipe, nothing for kvec and bvec, EFAULT for discard. Ranges from kunit_iov_iter.c.
/// </summary>
public sealed class IovIterPinPagesTests : PinBalancedTest
{
    private const int BufferBytes = 0x100000;
    private const int BufferPages = BufferBytes / PageSize.Bytes;

    [Theory]
    [MemberData(nameof(KunitRanges.All), MemberType = typeof(KunitRanges))]
    public void PinPages_OfIovec_PinsThePagesCoveringTheRange(int from, int to)
    {
        using var buffer = new NativeBuffer(BufferBytes);
        var iter = IovIter.User(IterDirection.Dest, buffer.Memory[from..to]);
        long acquired = PinStats.Acquired;
        var pages = new Page[BufferPages];

        Assert.True(iter.ExtractWillPin);
        long bytes = iter.PinPages(pages, long.MaxValue, out int firstOffset);

        int n = AssertRangeTaken(iter, pages, bytes, firstOffset, buffer.Address, from, to);
        Assert.Equal(acquired + n, PinStats.Acquired);
        Assert.All(pages[..n], p => Assert.Equal(1, p.PinCount));
        Assert.All(pages[..n], p => Assert.Equal(Gup.PinCountingBias, p.RefCount));
        Gup.UnpinUserPages(pages.AsSpan(0, n));
    }

    [Theory]
    [MemberData(nameof(KunitRanges.All), MemberType = typeof(KunitRanges))]
    public void PinPages_OfIovecOverManagedMemory_PinsItAndGcPinsTheArray(int from, int to)
    {
        Memory<byte> memory = ManagedBuffers.PageAlignedPinnedHeap(BufferBytes, out _);
        var iter = IovIter.User(IterDirection.Source, memory[from..to]);
        long gcPinned = PinStats.GcPinnedBuffers;
        var pages = new Page[BufferPages];

        long bytes = iter.PinPages(pages, long.MaxValue, out int firstOffset);

        int n = AssertRangeTaken(iter, pages, bytes, firstOffset, ManagedBuffers.AddressOf(memory), from, to);
        Assert.Equal(gcPinned + (n > 0 ? 1 : 0), PinStats.GcPinnedBuffers);
        Gup.UnpinUserPages(pages.AsSpan(0, n));
    }

    [Theory]
    [MemberData(nameof(KunitRanges.All), MemberType = typeof(KunitRanges))]
    public void PinPages_OfKvec_TakesNoReference(int from, int to)
    {
        using var buffer = new NativeBuffer(BufferBytes);
        var iter = IovIter.Kernel(IterDirection.Dest, [new KernelVec(buffer.Address + from, to - from)]);
        long acquired = PinStats.Acquired;
        int userPages = PageTable.ReferencedUserPages;
        var pages = new Page[BufferPages];

        Assert.False(iter.ExtractWillPin);
        long bytes = iter.PinPages(pages, long.MaxValue, out int firstOffset);

        int n = AssertRangeTaken(iter, pages, bytes, firstOffset, buffer.Address, from, to);
        Assert.Equal(acquired, PinStats.Acquired);
        Assert.Equal(userPages, PageTable.ReferencedUserPages);
        Assert.All(pages[..n], p => Assert.Equal(0, p.RefCount));
    }

    [Theory]
    [MemberData(nameof(KunitRanges.All), MemberType = typeof(KunitRanges))]
    public void PinPages_OfBvec_TakesNoReference(int from, int to)
    {
        using var pool = new PagePool(BufferPages);
        Assert.NotNull(pool.TryAllocContiguous(BufferPages));
        // One merged vec from the page of 'from', running on across the adjacent pages after it.
        var iter = IovIter.Pages(IterDirection.Source, [new BioVec(pool[from / PageSize.Bytes], from % PageSize.Bytes, to - from)]);
        long acquired = PinStats.Acquired;
        var pages = new Page[BufferPages];

        Assert.False(iter.ExtractWillPin);
        long bytes = iter.PinPages(pages, long.MaxValue, out int firstOffset);

        int n = AssertRangeTaken(iter, pages, bytes, firstOffset, pool.BaseAddress, from, to);
        Assert.Equal(acquired, PinStats.Acquired);
        for (int i = 0; i < n; i++)
        {
            Assert.Same(pool[(from / PageSize.Bytes) + i], pages[i]);
        }
        for (int i = 0; i < pool.Capacity; i++)
        {
            Assert.Equal(1, pool[i].RefCount);
            pool[i].Put();
        }
    }

    [Fact]
    public void PinPages_OfPipe_PinsEachPipePageOnTopOfThePipesReference()
    {
        using var pool = new PagePool(8);
        using var pipe = new PipeBuffer(pool, 4);
        byte[] data = TestPattern.Make((2 * PageSize.Bytes) + 100);
        pipe.Write(data);
        pipe.Read(new byte[0x123]);
        var iter = IovIter.Pipe(IterDirection.Source, pipe, data.Length - 0x123);
        long acquired = PinStats.Acquired;
        var pages = new Page[4];

        Assert.True(iter.ExtractWillPin);
        long bytes = iter.PinPages(pages, long.MaxValue, out int firstOffset);

        Assert.Equal(data.Length - 0x123, bytes);
        Assert.Equal(0x123, firstOffset);
        Assert.Equal(0, iter.Count);
        Assert.Equal(acquired + 3, PinStats.Acquired);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1 + Gup.PinCountingBias, pages[i].RefCount);
            Assert.Equal(1, pages[i].PinCount);
        }
        Assert.Null(pages[3]);
        // The pinned pages hold the pipe's bytes.
        TestPattern.AssertBytes(data.AsSpan(0x123, PageSize.Bytes - 0x123), pages[0].AsSpan()[0x123..], "first pipe page");
        TestPattern.AssertBytes(data.AsSpan(PageSize.Bytes, PageSize.Bytes), pages[1].AsSpan(), "second pipe page");

        Gup.UnpinUserPages(pages.AsSpan(0, 3));
        Assert.All(pages[..3], p => Assert.Equal(1, p.RefCount));
        Assert.Equal(data.Length, pipe.Length + 0x123);
    }

    [Fact]
    public void PinPages_OfDestPipe_PinsTheReservedPagesAndPublishesTheBytesTaken()
    {
        using var pool = new PagePool(8);
        using var pipe = new PipeBuffer(pool, 4);
        pipe.Write(new byte[10]);
        var iter = IovIter.Pipe(IterDirection.Dest, pipe, 3 * PageSize.Bytes);
        var pages = new Page[4];

        long bytes = iter.PinPages(pages, 5000, out int firstOffset);

        Assert.Equal(5000, bytes);
        Assert.Equal(10, firstOffset);
        Assert.Equal(10 + 5000, pipe.Length);
        Assert.Equal(2, pages.Count(p => p is not null));
        Assert.All(pages[..2], p => Assert.Equal(1 + Gup.PinCountingBias, p.RefCount));
        Gup.UnpinUserPagesDirtyLock(pages.AsSpan(0, 2), makeDirty: true);
        Assert.All(pages[..2], p => Assert.True(p.IsDirty));
    }

    [Fact]
    public void PinPages_OfPipe_StopsAtPagesLength()
    {
        using var pool = new PagePool(8);
        using var pipe = new PipeBuffer(pool, 4);
        pipe.Write(new byte[(3 * PageSize.Bytes) + 5]);
        pipe.Read(new byte[7]);
        var iter = IovIter.Pipe(IterDirection.Source, pipe, pipe.Length);
        var pages = new Page[1];

        long bytes = iter.PinPages(pages, long.MaxValue, out int firstOffset);

        Assert.Equal(PageSize.Bytes - 7, bytes);
        Assert.Equal(7, firstOffset);
        Assert.Equal(pipe.Length - bytes, iter.Count);
        Assert.Equal(1, pages[0].PinCount);
        Gup.UnpinUserPages(pages);
    }

    [Fact]
    public void PinPages_SkipsLeadingEmptySegments()
    {
        using var buffer = new NativeBuffer(2 * PageSize.Bytes);
        var iter = IovIter.Kernel(IterDirection.Dest, [
            new KernelVec(0, 0),
            new KernelVec(buffer.Address + 1, 0),
            new KernelVec(buffer.Address + PageSize.Bytes + 0x10, 0x20),
        ]);
        var pages = new Page[2];

        long bytes = iter.PinPages(pages, long.MaxValue, out int firstOffset);

        Assert.Equal(0x20, bytes);
        Assert.Equal(0x10, firstOffset);
        Assert.Equal(buffer.Address + PageSize.Bytes, pages[0].Address);
        Assert.Null(pages[1]);
    }

    [Fact]
    public void PinPages_OfDiscard_FailsWithEfault()
    {
        var iter = IovIter.Discard(PageSize.Bytes);
        long acquired = PinStats.Acquired;

        Assert.False(iter.ExtractWillPin);
        var e = Assert.Throws<DirectIoException>(() => iter.PinPages(new Page[1], long.MaxValue, out _));
        Assert.Equal(Errno.EFAULT, e.Errno);
        Assert.Equal(PageSize.Bytes, iter.Count);
        Assert.Equal(acquired, PinStats.Acquired);
    }

    [Theory]
    [InlineData(1, long.MaxValue, PageSize.Bytes - 0x27)]
    [InlineData(2, long.MaxValue, (2 * PageSize.Bytes) - 0x27)]
    [InlineData(8, 100, 100)]
    [InlineData(8, PageSize.Bytes - 0x27, PageSize.Bytes - 0x27)]
    [InlineData(8, PageSize.Bytes - 0x26, PageSize.Bytes - 0x26)]
    [InlineData(8, 0, 0)]
    public void PinPages_RespectsMaxBytesAndPagesLength(int pageSlots, long maxBytes, long expectedBytes)
    {
        using var buffer = new NativeBuffer(4 * PageSize.Bytes);
        const int length = 0x3000 - 0x27;
        var iter = IovIter.User(IterDirection.Dest, buffer.Memory[0x27..0x3000]);
        var pages = new Page[pageSlots];
        long acquired = PinStats.Acquired;

        long bytes = iter.PinPages(pages, maxBytes, out int firstOffset);

        int n = PagesSpanned(0x27, bytes);
        Assert.Equal(expectedBytes, bytes);
        Assert.Equal(bytes == 0 ? 0 : 0x27, firstOffset);
        Assert.Equal(length - bytes, iter.Count);
        Assert.Equal(bytes, iter.Consumed);
        Assert.Equal(acquired + n, PinStats.Acquired);
        Assert.All(pages[n..], Assert.Null);
        Gup.UnpinUserPages(pages.AsSpan(0, n));
    }

    [Fact]
    public void PinPages_StopsAtTheEndOfASegment_AndTheNextCallTakesTheNext()
    {
        using var buffer = new NativeBuffer(8 * PageSize.Bytes);
        var iter = IovIter.User(IterDirection.Dest,
            buffer.Memory[0x100..0x1200], Memory<byte>.Empty, buffer.Memory[0x5321..0x6001]);
        var pages = new Page[8];

        long first = iter.PinPages(pages, long.MaxValue, out int firstOffset);
        Assert.Equal(0x1100, first);
        Assert.Equal(0x100, firstOffset);
        Assert.Equal(buffer.Address, pages[0].Address);
        Assert.Equal(buffer.Address + PageSize.Bytes, pages[1].Address);
        Gup.UnpinUserPages(pages.AsSpan(0, 2));

        long second = iter.PinPages(pages, long.MaxValue, out firstOffset);
        Assert.Equal(0x6001 - 0x5321, second);
        Assert.Equal(0x321, firstOffset);
        Assert.Equal(buffer.Address + (5 * PageSize.Bytes), pages[0].Address);
        Assert.Equal(buffer.Address + (6 * PageSize.Bytes), pages[1].Address);
        Gup.UnpinUserPages(pages.AsSpan(0, 2));

        Assert.Equal(0, iter.Count);
        Assert.Equal(0, iter.PinPages(pages, long.MaxValue, out firstOffset));
    }

    [Fact]
    public void PinPages_AfterTruncate_TakesOnlyTheVisibleBytes()
    {
        using var pool = new PagePool(4);
        Page first = pool.TryAllocContiguous(3)!;
        var iter = IovIter.Pages(IterDirection.Dest, [new BioVec(first, 0x800, 2 * PageSize.Bytes)]);
        iter.Truncate(0x900);
        var pages = new Page[4];

        long bytes = iter.PinPages(pages, long.MaxValue, out int firstOffset);

        Assert.Equal(0x900, bytes);
        Assert.Equal(0x800, firstOffset);
        Assert.Same(first, pages[0]);
        Assert.Same(pool[first.PoolIndex + 1], pages[1]);
        Assert.Null(pages[2]);
        for (int i = 0; i < 3; i++)
        {
            pool[first.PoolIndex + i].Put();
        }
    }

    [Fact]
    public void PinPages_ThenRevert_LetsTheSameBytesBeTakenAgain()
    {
        using var buffer = new NativeBuffer(2 * PageSize.Bytes);
        var iter = IovIter.User(IterDirection.Dest, buffer.Memory[5..]);
        var pages = new Page[2];

        long bytes = iter.PinPages(pages, long.MaxValue, out _);
        Gup.UnpinUserPages(pages);
        iter.Revert(bytes);
        long again = iter.PinPages(pages, long.MaxValue, out int firstOffset);

        Assert.Equal(bytes, again);
        Assert.Equal(5, firstOffset);
        Gup.UnpinUserPages(pages);
    }

    /// <summary>Checks the bytes, first offset, page addresses and position for a whole range; returns the page count.</summary>
    private static int AssertRangeTaken(IovIter iter, Page[] pages, long bytes, int firstOffset, nint baseAddress, int from, int to)
    {
        Assert.Equal(to - from, bytes);
        Assert.Equal(to > from ? from % PageSize.Bytes : 0, firstOffset);
        Assert.Equal(0, iter.Count);
        Assert.Equal(to - from, iter.Consumed);
        int n = PagesSpanned(from, to - from);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(baseAddress + (((from / PageSize.Bytes) + i) * PageSize.Bytes), pages[i].Address);
        }
        Assert.All(pages[n..], Assert.Null);
        return n;
    }

    private static int PagesSpanned(long from, long length) =>
        length == 0 ? 0 : (int)(((from + length - 1) / PageSize.Bytes) - (from / PageSize.Bytes) + 1);
}
