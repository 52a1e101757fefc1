using System.Buffers;
using PinIo.Block;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Block;

/// <summary>
/// A bio over pool memory takes a run of pages in one step (one pool lookup, one count of the
/// run in <see cref="PinStats"/> when no pin owner is recorded) and grows a vec over adjacent
/// pages: every page still carries its own exact pin, the run is counted page by page, and a
/// failure part way releases what it took. The suite records pin owners, which takes the page
/// by page path; these cases turn recording off to reach the run path.
/// </summary>
public sealed class BioPoolRunTests : PinBalancedTest
{
    private const int Pages = 8;

    [Theory]
    [InlineData(64 * 1024, 1)]
    [InlineData(8 * 1024, 4)]
    public void APoolRunIsPinnedPageByPageAndCountedOnceForEachPage(int maxSegmentSize, int vecs)
    {
        using var recording = FilePinRecording.Suspend();
        using var pool = new PagePool(16);
        using IMemoryOwner<byte> memory = pool.AllocateMemory(Pages * PageSize.Bytes);
        Page[] pages = PagesOf(pool, memory.Memory);
        long acquired = PinStats.Acquired;
        long released = PinStats.Released;
        var counter = new PinCounter();
        var bio = new Bio(BioOp.Read, 0, QueueLimits.Default with { MaxSegmentSize = maxSegmentSize });

        Assert.Equal(Pages * PageSize.Bytes, bio.AddPagesFrom(Counted(IovIter.User(IterDirection.Dest, memory.Memory), counter)));

        Assert.Equal(BioFlags.PagePinned, bio.Flags);
        Assert.Equal(vecs, bio.VecCount);
        Assert.All(bio.Vecs, v => Assert.Equal(Pages * PageSize.Bytes / vecs, v.Length));
        Assert.All(pages, p => Assert.Equal(1, p.PinCount));
        Assert.All(pages, p => Assert.Equal(1 + Gup.PinCountingBias, p.RefCount));
        Assert.Equal(Pages, PinStats.Acquired - acquired);
        Assert.Equal(Pages, counter.Acquired);

        bio.ReleasePages(markDirty: true);

        Assert.All(pages, p => Assert.Equal(0, p.PinCount));
        Assert.All(pages, p => Assert.True(p.IsDirty));
        Assert.Equal(Pages, PinStats.Released - released);
        Assert.Equal(Pages, counter.Released);
    }

    [Fact]
    public void TwoBiosOverHalvesOfOnePoolPageGiveItTwoPins()
    {
        using var recording = FilePinRecording.Suspend();
        using var pool = new PagePool(4);
        using IMemoryOwner<byte> memory = pool.AllocateMemory(PageSize.Bytes);
        Page page = PagesOf(pool, memory.Memory)[0];
        var first = new Bio(BioOp.Write, 0, QueueLimits.Default);
        var second = new Bio(BioOp.Write, 8, QueueLimits.Default);

        first.AddPagesFrom(IovIter.User(IterDirection.Source, memory.Memory[..2048]));
        second.AddPagesFrom(IovIter.User(IterDirection.Source, memory.Memory[2048..]));

        Assert.Equal(2, page.PinCount);
        first.ReleasePages(markDirty: false);
        Assert.Equal(1, page.PinCount);
        second.ReleasePages(markDirty: false);
        Assert.Equal(0, page.PinCount);
        Assert.False(page.IsDirty);
    }

    [Fact]
    public void AFreePageInsideARunFailsThePinAndReleasesThePagesBeforeIt()
    {
        using var recording = FilePinRecording.Suspend();
        using var pool = new PagePool(4);
        Page held0 = pool.Alloc();
        Page held1 = pool.Alloc();
        Assert.Equal(pool.BaseAddress, held0.Address);
        long outstanding = PinStats.Acquired - PinStats.Released;
        var taken = new Page[3];

        // The third page of the run is free: nobody references it, so pinning it is a bug.
        Assert.Throws<InvalidOperationException>(() => Gup.AcquireNativePages(pool.BaseAddress, 3 * PageSize.Bytes, taken, pin: true));

        Assert.Equal(0, held0.PinCount);
        Assert.Equal(0, held1.PinCount);
        Assert.Equal(outstanding, PinStats.Acquired - PinStats.Released);
        held0.Put();
        held1.Put();
    }

    private static Page[] PagesOf(PagePool pool, Memory<byte> memory)
    {
        int first = (int)((NativeMemoryAccess.AddressOf(memory.Span) - pool.BaseAddress) >> PageSize.Shift);
        return [.. Enumerable.Range(first, PageSize.PagesSpanned(0, memory.Length)).Select(i => pool[i])];
    }

    private static IovIter Counted(IovIter iter, PinCounter counter)
    {
        iter.PinCounter = counter;
        return iter;
    }
}
