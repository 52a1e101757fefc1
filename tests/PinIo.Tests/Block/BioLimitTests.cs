using PinIo.Block;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Block;

/// <summary>What bounds a bio: max sectors, max segments, segment size and merging, the logical block.</summary>
public sealed class BioLimitTests : PinBalancedTest
{
    private readonly PagePool _pool = new(64);

    [Fact]
    public void BioStopsAtMaxSectorsBytesAndLeavesTheRestInTheIterator()
    {
        var limits = new QueueLimits { MaxSectorsBytes = 16 * 1024 };
        Memory<byte> buffer = BlockMemory.Aligned(40 * 1024);
        IovIter iter = IovIter.User(IterDirection.Source, buffer);
        long held = PinsHeld();
        var bio = new Bio(BioOp.Write, 0, limits);

        Assert.Equal(16 * 1024, bio.AddPagesFrom(iter));

        Assert.Equal(16 * 1024, bio.Size);
        Assert.Equal(24 * 1024, iter.Count);
        Assert.Equal(4, PinsHeld() - held);
        bio.ReleasePages(markDirty: false);
    }

    [Fact]
    public void BioStopsAtMaxSegmentsWhenNoPieceIsAdjacent()
    {
        var limits = new QueueLimits { MaxSegments = 4 };
        Memory<byte>[] pieces = SeparatePieces(10, 512);
        IovIter iter = IovIter.User(IterDirection.Source, pieces);
        long held = PinsHeld();
        var bio = new Bio(BioOp.Write, 0, limits);

        Assert.Equal(4 * 512, bio.AddPagesFrom(iter));

        Assert.Equal(4, bio.VecCount);
        Assert.Equal(6 * 512, iter.Count);
        Assert.Equal(4, PinsHeld() - held);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(BlockMemory.AddressOf(pieces[i]), bio.Vecs[i].Address);
        }
        bio.ReleasePages(markDirty: false);
    }

    [Theory]
    [InlineData(64 * 1024, 1)]
    [InlineData(32 * 1024, 2)]
    [InlineData(16 * 1024, 4)]
    [InlineData(4 * 1024, 16)]
    public void ContiguousMemoryMergesIntoVecsAsLargeAsMaxSegmentSize(int maxSegmentSize, int expectedVecs)
    {
        var limits = new QueueLimits { MaxSegmentSize = maxSegmentSize };
        Memory<byte> buffer = BlockMemory.Aligned(64 * 1024);
        nint address = BlockMemory.AddressOf(buffer);
        var bio = new Bio(BioOp.Write, 0, limits);

        bio.AddPagesFrom(IovIter.User(IterDirection.Source, buffer));

        Assert.Equal(expectedVecs, bio.VecCount);
        for (int i = 0; i < expectedVecs; i++)
        {
            Assert.Equal(address + (i * maxSegmentSize), bio.Vecs[i].Address);
            Assert.Equal(maxSegmentSize, bio.Vecs[i].Length);
        }
        bio.ReleasePages(markDirty: false);
    }

    [Fact]
    public void SeparateIovecSegmentsThatTouchInMemoryMerge()
    {
        Memory<byte> buffer = BlockMemory.Aligned(4 * 1024);
        var bio = new Bio(BioOp.Write, 0, QueueLimits.Default);

        bio.AddPagesFrom(IovIter.User(IterDirection.Source, buffer[..1024], buffer.Slice(1024, 2048), buffer[3072..]));

        Assert.Single(bio.Vecs);
        Assert.Equal(4096, bio.Vecs[0].Length);
        bio.ReleasePages(markDirty: false);
    }

    [Fact]
    public void PoolPagesThatAreNotAdjacentTakeOneVecEach()
    {
        Page[] all = [.. Enumerable.Range(0, 8).Select(_ => _pool.Alloc())];
        Page[] spread = [all[0], all[2], all[4], all[6]];
        try
        {
            var bio = new Bio(BioOp.Read, 0, QueueLimits.Default);

            bio.AddPagesFrom(IovIter.Pages(IterDirection.Dest, [.. spread.Select(p => new BioVec(p, 0, PageSize.Bytes))]));

            Assert.Equal(4, bio.VecCount);
            Assert.Equal(spread, bio.Vecs.Select(v => v.Page));
            bio.ReleasePages(markDirty: true);
        }
        finally
        {
            foreach (Page page in all)
            {
                page.Put();
            }
        }
    }

    [Fact]
    public void AdjacentPoolPagesGivenAsSeparateBvecsMergeIntoOneVec()
    {
        Page first = _pool.TryAllocContiguous(4)!;
        Page[] pages = [.. Enumerable.Range(first.PoolIndex, 4).Select(i => _pool[i])];
        try
        {
            var bio = new Bio(BioOp.Read, 0, QueueLimits.Default);

            bio.AddPagesFrom(IovIter.Pages(IterDirection.Dest, [.. pages.Select(p => new BioVec(p, 0, PageSize.Bytes))]));

            BioVec vec = Assert.Single(bio.Vecs);
            Assert.Equal((first, 0, 4 * PageSize.Bytes), (vec.Page, vec.Offset, vec.Length));
            bio.ReleasePages(markDirty: true);
        }
        finally
        {
            foreach (Page page in pages)
            {
                page.Put();
            }
        }
    }

    /// <summary>
    /// Two segments fit: A (6 KiB on two pages) and B (3 KiB from the middle of a page, so over
    /// two pages). 9 KiB is not a multiple of the 4 KiB block: the last 1 KiB, all that B has
    /// on its second page, goes back to the iterator and that page is unpinned.
    /// </summary>
    [Fact]
    public void BioIsTrimmedToTheLogicalBlockAndTrimmedPagesAreUnpinned()
    {
        var limits = new QueueLimits { LogicalBlockSize = 4096, MaxSegments = 2 };
        Memory<byte> a = BlockMemory.Aligned(6 * 1024);
        Memory<byte> b = BlockMemory.Aligned(3 * 1024, misalignBy: 2048);
        Memory<byte> c = BlockMemory.Aligned(3 * 1024);
        nint bAddress = BlockMemory.AddressOf(b);
        IovIter iter = IovIter.User(IterDirection.Source, a, b, c);
        long acquired = PinStats.Acquired;
        long held = PinsHeld();
        var bio = new Bio(BioOp.Write, 0, limits);

        Assert.Equal(8192, bio.AddPagesFrom(iter));

        Assert.Equal(8192, bio.Size);
        Assert.Equal([(BlockMemory.AddressOf(a), 6144), (bAddress, 2048)], bio.Vecs.Select(v => (v.Address, v.Length)));
        Assert.Equal(4 * 1024, iter.Count);
        Assert.True(PinStats.Acquired - acquired >= 4, "A's two pages and B's two pages were pinned before the trim");
        Assert.Equal(3, PinsHeld() - held);
        Assert.Equal(1, PageTable.Peek(PageSize.AlignDown(bAddress)).PinCount);
        Assert.Equal(0, PageTable.Peek(bAddress + 2048).PinCount);

        var next = new Bio(BioOp.Write, 16, limits);
        Assert.Equal(4096, next.AddPagesFrom(iter));
        Assert.Equal([(bAddress + 2048, 1024), (BlockMemory.AddressOf(c), 3072)], next.Vecs.Select(v => (v.Address, v.Length)));
        Assert.Equal(0, iter.Count);

        bio.ReleasePages(markDirty: false);
        next.ReleasePages(markDirty: false);
    }

    [Fact]
    public void SegmentsTooSmallToHoldOneBlockFailWithEinvalAndGiveEverythingBack()
    {
        var limits = new QueueLimits { LogicalBlockSize = 4096, MaxSegments = 2 };
        Memory<byte>[] pieces = SeparatePieces(8, 512);
        IovIter iter = IovIter.User(IterDirection.Source, pieces);
        long held = PinsHeld();
        var bio = new Bio(BioOp.Write, 0, limits);

        var e = Assert.Throws<DirectIoException>(() => bio.AddPagesFrom(iter));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("4096", e.Message, StringComparison.Ordinal);
        Assert.Equal(8 * 512, iter.Count);
        Assert.Equal(0, bio.Size);
        Assert.Equal(held, PinsHeld());
        bio.ReleasePages(markDirty: false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pool.Dispose();
        }
        base.Dispose(disposing);
    }

    private static long PinsHeld() => PinStats.Acquired - PinStats.Released;

    /// <summary><paramref name="count"/> pieces of <paramref name="length"/> bytes, 512-aligned, with a gap after each.</summary>
    private static Memory<byte>[] SeparatePieces(int count, int length)
    {
        Memory<byte> all = BlockMemory.Aligned(count * 2 * length);
        return [.. Enumerable.Range(0, count).Select(i => all.Slice(i * 2 * length, length))];
    }
}
