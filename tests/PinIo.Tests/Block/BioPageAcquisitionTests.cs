using PinIo.Block;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Block;

/// <summary>
/// bio_iov_iter_get_pages and bio_release_pages: which kinds are pinned, which flag a bio gets,
/// that a bio never mixes the classes, and that release undoes exactly what was taken.
/// </summary>
public sealed class BioPageAcquisitionTests : PinBalancedTest
{
    private const int Pages = 4;
    private const int Bytes = Pages * PageSize.Bytes;

    private readonly PagePool _pool = new(64);

    [Fact]
    public void IovecPagesArePinnedAndTheBioIsMarkedPagePinned()
    {
        Memory<byte> buffer = BlockMemory.Aligned(Bytes);
        nint address = BlockMemory.AddressOf(buffer);
        long acquired = PinStats.Acquired;
        var bio = new Bio(BioOp.Read, 0, QueueLimits.Default);

        Assert.Equal(Bytes, bio.AddPagesFrom(IovIter.User(IterDirection.Dest, buffer)));

        Assert.Equal(BioFlags.PagePinned, bio.Flags);
        Assert.Equal(Pages, PinStats.Acquired - acquired);
        for (int i = 0; i < Pages; i++)
        {
            Page page = PageTable.Peek(address + (i * PageSize.Bytes));
            Assert.Equal(1, page.PinCount);
            Assert.True(page.MaybeDmaPinned);
        }
        bio.ReleasePages(markDirty: false);
        Assert.Equal(0, PageTable.Peek(address).PinCount);
    }

    [Fact]
    public void PipePagesArePinnedOnTopOfThePipeReference()
    {
        using var pipe = new PipeBuffer(_pool);
        IovIter iter = IovIter.Pipe(IterDirection.Dest, pipe, Bytes);
        long acquired = PinStats.Acquired;
        var bio = new Bio(BioOp.Read, 0, QueueLimits.Default);

        Assert.Equal(Bytes, bio.AddPagesFrom(iter));

        Assert.Equal(BioFlags.PagePinned, bio.Flags);
        Assert.Equal(Pages, PinStats.Acquired - acquired);
        foreach (Page page in PipePages(pipe, Pages))
        {
            Assert.Equal(1, page.PinCount);
            Assert.Equal(1 + Gup.PinCountingBias, page.RefCount);
        }
        bio.ReleasePages(markDirty: true);
        foreach (Page page in PipePages(pipe, Pages))
        {
            Assert.Equal(0, page.PinCount);
            Assert.Equal(1, page.RefCount);
        }
    }

    [Fact]
    public void KvecMemoryIsNeitherPinnedNorReferencedAndTheBioIsMarkedNoPageRef()
    {
        using var buffer = new BlockNativeBuffer(Bytes);
        long acquired = PinStats.Acquired;
        int userPages = PageTable.ReferencedUserPages;
        var bio = new Bio(BioOp.Write, 0, QueueLimits.Default);

        Assert.Equal(Bytes, bio.AddPagesFrom(IovIter.Kernel(IterDirection.Source, [new KernelVec(buffer.Address, Bytes)])));

        Assert.Equal(BioFlags.NoPageRef, bio.Flags);
        Assert.Equal(acquired, PinStats.Acquired);
        Assert.Equal(userPages, PageTable.ReferencedUserPages);
        Assert.Equal(buffer.Address, bio.Vecs[0].Address);
        long released = PinStats.Released;
        bio.ReleasePages(markDirty: false);
        Assert.Equal(released, PinStats.Released);
    }

    [Fact]
    public void BvecPageCountsStayUnchangedAndTheBioIsMarkedNoPageRef()
    {
        Page[] pages = AllocSpread(Pages);
        try
        {
            long acquired = PinStats.Acquired;
            var bio = new Bio(BioOp.Read, 0, QueueLimits.Default);

            Assert.Equal(Bytes, bio.AddPagesFrom(IovIter.Pages(IterDirection.Dest, WholePages(pages))));

            Assert.Equal(BioFlags.NoPageRef, bio.Flags);
            Assert.Equal(acquired, PinStats.Acquired);
            Assert.All(pages, p => Assert.Equal((1, 0), (p.RefCount, p.PinCount)));
            bio.ReleasePages(markDirty: true);
            Assert.All(pages, p => Assert.Equal((1, 0, false), (p.RefCount, p.PinCount, p.IsDirty)));
        }
        finally
        {
            PutAll(pages);
        }
    }

    [Fact]
    public void AddPagesWithReferencesTakesPlainReferencesThatReleasePuts()
    {
        Page[] pages = AllocSpread(Pages);
        try
        {
            long acquired = PinStats.Acquired;
            var bio = new Bio(BioOp.Read, 0, QueueLimits.Default);

            Assert.Equal(Bytes, bio.AddPagesWithReferencesFrom(IovIter.Pages(IterDirection.Dest, WholePages(pages))));

            Assert.Equal(BioFlags.None, bio.Flags);
            Assert.Equal(acquired, PinStats.Acquired);
            Assert.All(pages, p => Assert.Equal((2, 0), (p.RefCount, p.PinCount)));
            Assert.All(pages, p => Assert.False(p.MaybeDmaPinned));
            bio.ReleasePages(markDirty: false);
            Assert.All(pages, p => Assert.Equal((1, 0), (p.RefCount, p.PinCount)));
        }
        finally
        {
            PutAll(pages);
        }
    }

    [Fact]
    public void AddPagesWithReferencesOnUserMemoryTakesReferencesNotPins()
    {
        Memory<byte> buffer = BlockMemory.Aligned(Bytes);
        nint address = BlockMemory.AddressOf(buffer);
        long acquired = PinStats.Acquired;
        var bio = new Bio(BioOp.Write, 0, QueueLimits.Default);

        Assert.Equal(Bytes, bio.AddPagesWithReferencesFrom(IovIter.User(IterDirection.Source, buffer)));

        Assert.Equal(BioFlags.None, bio.Flags);
        Assert.Equal(acquired, PinStats.Acquired);
        Page first = PageTable.Peek(address);
        Assert.Equal((1, 0), (first.RefCount, first.PinCount));
        bio.ReleasePages(markDirty: false);
        Assert.Equal(0, PageTable.Peek(address).RefCount);
    }

    [Fact]
    public void DiscardIteratorFailsWithEfaultAndPinsNothing()
    {
        long acquired = PinStats.Acquired;
        var bio = new Bio(BioOp.Read, 0, QueueLimits.Default);
        IovIter iter = IovIter.Discard(Bytes);

        var e = Assert.Throws<DirectIoException>(() => bio.AddPagesFrom(iter));

        Assert.Equal(Errno.EFAULT, e.Errno);
        Assert.Equal(acquired, PinStats.Acquired);
        Assert.Equal(0, bio.Size);
        Assert.Equal(Bytes, iter.Count);
    }

    [Fact]
    public void BioHoldingUnpinnedPagesRefusesPagesThatWouldBePinned()
    {
        Page[] pages = AllocSpread(2);
        Memory<byte> user = BlockMemory.Aligned(2 * PageSize.Bytes);
        try
        {
            IovIter bvec = IovIter.Pages(IterDirection.Dest, WholePages(pages));
            IovIter iovec = IovIter.User(IterDirection.Dest, user);
            var first = new Bio(BioOp.Read, 0, QueueLimits.Default);
            Assert.Equal(2 * PageSize.Bytes, first.AddPagesFrom(bvec));
            long acquired = PinStats.Acquired;

            Assert.Equal(0, first.AddPagesFrom(iovec));

            Assert.Equal(BioFlags.NoPageRef, first.Flags);
            Assert.Equal(2 * PageSize.Bytes, first.Size);
            Assert.Equal(acquired, PinStats.Acquired);
            Assert.Equal(2 * PageSize.Bytes, iovec.Count);
            Assert.Equal(0, iovec.Consumed);

            var second = new Bio(BioOp.Read, 2 * PageSize.Bytes / QueueLimits.SectorSize, QueueLimits.Default);
            Assert.Equal(2 * PageSize.Bytes, second.AddPagesFrom(iovec));
            Assert.Equal(BioFlags.PagePinned, second.Flags);
            Assert.Equal(2, PinStats.Acquired - acquired);
            Assert.Equal(0, iovec.Count);

            first.ReleasePages(markDirty: true);
            second.ReleasePages(markDirty: true);
        }
        finally
        {
            PutAll(pages);
        }
    }

    [Fact]
    public void BioHoldingPinnedPagesRefusesPagesItWouldNotPin()
    {
        Page[] pages = AllocSpread(2);
        Memory<byte> user = BlockMemory.Aligned(2 * PageSize.Bytes);
        try
        {
            IovIter iovec = IovIter.User(IterDirection.Source, user);
            IovIter bvec = IovIter.Pages(IterDirection.Source, WholePages(pages));
            var first = new Bio(BioOp.Write, 0, QueueLimits.Default);
            Assert.Equal(2 * PageSize.Bytes, first.AddPagesFrom(iovec));
            long acquired = PinStats.Acquired;

            Assert.Equal(0, first.AddPagesFrom(bvec));
            Assert.False(first.AddPage(pages[0], PageSize.Bytes, 0));

            Assert.Equal(BioFlags.PagePinned, first.Flags);
            Assert.Equal(2 * PageSize.Bytes, first.Size);
            Assert.Equal(2 * PageSize.Bytes, bvec.Count);
            Assert.Equal(0, bvec.Consumed);
            Assert.Equal(acquired, PinStats.Acquired);
            Assert.All(pages, p => Assert.Equal((1, 0), (p.RefCount, p.PinCount)));

            var second = new Bio(BioOp.Write, 2 * PageSize.Bytes / QueueLimits.SectorSize, QueueLimits.Default);
            Assert.Equal(2 * PageSize.Bytes, second.AddPagesFrom(bvec));
            Assert.Equal(BioFlags.NoPageRef, second.Flags);
            Assert.Equal(acquired, PinStats.Acquired);

            first.ReleasePages(markDirty: false);
            second.ReleasePages(markDirty: false);
        }
        finally
        {
            PutAll(pages);
        }
    }

    [Fact]
    public void BioWithPlainReferencesRefusesPinnedPages()
    {
        Page[] pages = AllocSpread(1);
        Memory<byte> user = BlockMemory.Aligned(PageSize.Bytes);
        try
        {
            var bio = new Bio(BioOp.Write, 0, QueueLimits.Default);
            bio.AddPagesWithReferencesFrom(IovIter.Pages(IterDirection.Source, WholePages(pages)));
            IovIter iovec = IovIter.User(IterDirection.Source, user);
            long acquired = PinStats.Acquired;

            Assert.Equal(0, bio.AddPagesFrom(iovec));

            Assert.Equal(acquired, PinStats.Acquired);
            Assert.Equal(PageSize.Bytes, iovec.Count);
            bio.ReleasePages(markDirty: false);
        }
        finally
        {
            PutAll(pages);
        }
    }

    [Fact]
    public void ReleaseAfterReadDirtiesPinnedPagesAndUnpinsThem()
    {
        using var memory = new BlockPoolMemory(_pool, Pages);
        var bio = new Bio(BioOp.Read, 0, QueueLimits.Default);
        bio.AddPagesFrom(IovIter.User(IterDirection.Dest, memory.Memory));
        Assert.All(memory.Pages, p => Assert.Equal((1, false), (p.PinCount, p.IsDirty)));

        bio.ReleasePages(markDirty: true);

        Assert.All(memory.Pages, p => Assert.Equal((0, 1, true), (p.PinCount, p.RefCount, p.IsDirty)));
    }

    [Fact]
    public void ReleaseAfterWriteUnpinsWithoutDirtying()
    {
        using var memory = new BlockPoolMemory(_pool, Pages);
        var bio = new Bio(BioOp.Write, 0, QueueLimits.Default);
        bio.AddPagesFrom(IovIter.User(IterDirection.Source, memory.Memory));

        bio.ReleasePages(markDirty: false);

        Assert.All(memory.Pages, p => Assert.Equal((0, 1, false), (p.PinCount, p.RefCount, p.IsDirty)));
    }

    [Fact]
    public void ReleaseAfterReadDirtiesPipePages()
    {
        using var pipe = new PipeBuffer(_pool);
        var bio = new Bio(BioOp.Read, 0, QueueLimits.Default);
        bio.AddPagesFrom(IovIter.Pipe(IterDirection.Dest, pipe, Bytes));

        bio.ReleasePages(markDirty: true);

        Assert.All(PipePages(pipe, Pages), p => Assert.Equal((0, true), (p.PinCount, p.IsDirty)));
    }

    [Fact]
    public void ReleasingPagesTwiceThrows()
    {
        using var memory = new BlockPoolMemory(_pool, 1);
        var bio = new Bio(BioOp.Read, 0, QueueLimits.Default);
        bio.AddPagesFrom(IovIter.User(IterDirection.Dest, memory.Memory));
        bio.ReleasePages(markDirty: true);
        long released = PinStats.Released;

        Assert.Throws<InvalidOperationException>(() => bio.ReleasePages(markDirty: true));

        Assert.Equal(released, PinStats.Released);
        Assert.Equal(1, memory.Pages[0].RefCount);
    }

    [Fact]
    public void CompleteRunsEndIoOnceWithTheStatusAndASecondCompleteThrows()
    {
        var bio = new Bio(BioOp.Write, 8, QueueLimits.Default);
        var seen = new List<BlkStatus>();
        bio.EndIo = b => seen.Add(b.Status);

        bio.Complete(BlkStatus.IoError);

        Assert.Throws<InvalidOperationException>(() => bio.Complete(BlkStatus.Ok));
        Assert.Equal([BlkStatus.IoError], seen);
        Assert.Equal(BlkStatus.IoError, bio.Status);
        Assert.True(bio.IsCompleted);
    }

    [Fact]
    public void FlushBioRefusesData()
    {
        using var memory = new BlockPoolMemory(_pool, 1);
        var bio = new Bio(BioOp.Flush, 0, QueueLimits.Default);
        long acquired = PinStats.Acquired;

        Assert.Throws<InvalidOperationException>(() => bio.AddPagesFrom(IovIter.User(IterDirection.Source, memory.Memory)));

        Assert.Equal(acquired, PinStats.Acquired);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pool.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>Pool pages with a free page between each two, so that none is adjacent to another.</summary>
    private Page[] AllocSpread(int count)
    {
        var all = new Page[2 * count];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = _pool.Alloc();
        }
        var kept = new Page[count];
        for (int i = 0; i < all.Length; i++)
        {
            if (i % 2 == 0)
            {
                kept[i / 2] = all[i];
            }
            else
            {
                all[i].Put();
            }
        }
        return kept;
    }

    private static BioVec[] WholePages(Page[] pages) => [.. pages.Select(p => new BioVec(p, 0, PageSize.Bytes))];

    private static void PutAll(Page[] pages)
    {
        foreach (Page page in pages)
        {
            page.Put();
        }
    }

    private static IEnumerable<Page> PipePages(PipeBuffer pipe, int count)
    {
        for (int i = 0; i < count; i++)
        {
            yield return pipe.Locate(i * (long)PageSize.Bytes).Page;
        }
    }
}
