using System.Buffers;
using PinIo.Block;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Mm;

/// <summary>
/// Pool memory as a large folio: a bio whose request covers every page of the memory pins the
/// folio once (one atomic update), and every page still answers exactly — its PinCount and
/// RefCount count the folio's pins with its own — while a Dispose during the I/O leaves the
/// pages to the last unpin, as page pins would keep them.
/// </summary>
public sealed class PoolMemoryFolioTests : PinBalancedTest
{
    private const int MemoryPages = 4;

    [Fact]
    public void AWholeRequestPinsTheFolio_AndEveryPageCountsEachPinExactly()
    {
        using FilePinRecording? recording = FilePinRecording.Suspend();
        using var pool = new PagePool(2 * MemoryPages);
        using IMemoryOwner<byte> memory = pool.AllocateMemory(MemoryPages * PageSize.Bytes);
        PoolMemory folio = PoolMemoryOf(memory);
        Page[] pages = PagesOf(pool, memory);

        Bio first = PinnedBio(BioOp.Read, memory.Memory);
        Assert.Equal(1, folio.FolioPins);
        Assert.All(pages, p => Assert.Equal((1, 1 + Gup.PinCountingBias, true), (p.PinCount, p.RefCount, p.MaybeDmaPinned)));

        Bio second = PinnedBio(BioOp.Read, memory.Memory);
        Assert.All(pages, p => Assert.Equal((2, 1 + (2 * Gup.PinCountingBias)), (p.PinCount, p.RefCount)));

        first.ReleasePages(markDirty: true);
        Assert.All(pages, p => Assert.Equal((1, true), (p.PinCount, p.IsDirty)));
        second.ReleasePages(markDirty: true);
        Assert.Equal(0, folio.FolioPins);
        Assert.All(pages, p => Assert.Equal((0, 1, false), (p.PinCount, p.RefCount, p.MaybeDmaPinned)));
    }

    [Fact]
    public void AReadMarksTheFolioDirty_AndTheNextAllocationOfItsPagesStartsClean()
    {
        using FilePinRecording? recording = FilePinRecording.Suspend();
        using var pool = new PagePool(MemoryPages);
        IMemoryOwner<byte> memory = pool.AllocateMemory(MemoryPages * PageSize.Bytes);
        Page[] pages = PagesOf(pool, memory);
        PinnedBio(BioOp.Write, memory.Memory).ReleasePages(markDirty: false);
        Assert.All(pages, p => Assert.False(p.IsDirty));

        PinnedBio(BioOp.Read, memory.Memory).ReleasePages(markDirty: true);
        Assert.True(PoolMemoryOf(memory).IsFolioDirty);
        Assert.All(pages, p => Assert.True(p.IsDirty));
        memory.Dispose();

        using IMemoryOwner<byte> again = pool.AllocateMemory(MemoryPages * PageSize.Bytes);
        Assert.Equal(pages, PagesOf(pool, again));
        Assert.All(pages, p => Assert.False(p.IsDirty));
    }

    [Fact]
    public void APartOfTheMemoryPinsItsOwnPages_NotTheFolio()
    {
        using FilePinRecording? recording = FilePinRecording.Suspend();
        using var pool = new PagePool(2 * MemoryPages);
        using IMemoryOwner<byte> memory = pool.AllocateMemory(MemoryPages * PageSize.Bytes);
        Page[] pages = PagesOf(pool, memory);

        Bio bio = PinnedBio(BioOp.Write, memory.Memory[PageSize.Bytes..]);

        Assert.Equal(0, PoolMemoryOf(memory).FolioPins);
        Assert.Equal([0, 1, 1, 1], pages.Select(p => p.PinCount));
        bio.ReleasePages(markDirty: false);
        Assert.All(pages, p => Assert.Equal((0, false), (p.PinCount, p.IsDirty)));
    }

    [Fact]
    public void DisposingTheMemoryDuringTheIoKeepsItsPagesOutOfThePoolUntilTheUnpin()
    {
        using FilePinRecording? recording = FilePinRecording.Suspend();
        using var pool = new PagePool(2 * MemoryPages);
        IMemoryOwner<byte> memory = pool.AllocateMemory(MemoryPages * PageSize.Bytes);
        Page[] pages = PagesOf(pool, memory);
        Bio bio = PinnedBio(BioOp.Read, memory.Memory);

        memory.Dispose();

        Assert.Equal(MemoryPages, pool.FreeCount);
        Assert.All(pages, p => Assert.Equal((1, 1 + Gup.PinCountingBias), (p.PinCount, p.RefCount)));
        using IMemoryOwner<byte> other = pool.AllocateMemory(MemoryPages * PageSize.Bytes);
        Assert.DoesNotContain(PagesOf(pool, other), pages.Contains);

        bio.ReleasePages(markDirty: true);

        Assert.Equal(MemoryPages, pool.FreeCount);
        Assert.All(pages, p => Assert.Equal((0, 0), (p.PinCount, p.RefCount)));
    }

    [Fact]
    public void AFolioUnpinWithoutAPinThrowsAndChangesNothing()
    {
        using var pool = new PagePool(MemoryPages);
        IMemoryOwner<byte> memory = pool.AllocateMemory(MemoryPages * PageSize.Bytes);
        PoolMemory folio = PoolMemoryOf(memory);

        Assert.Throws<InvalidOperationException>(folio.UnpinFolio);
        Assert.Equal((0, false), (folio.FolioPins, folio.IsDisposed));
        memory.Dispose();
        Assert.Throws<InvalidOperationException>(folio.UnpinFolio);

        Assert.Equal((0, true), (folio.FolioPins, folio.IsDisposed));
        Assert.Equal(pool.Capacity, pool.FreeCount);
        Assert.False(folio.TryPinFolio());
    }

    [Fact]
    public void PinsRacingADisposeReturnEveryPageExactlyOnce()
    {
        using var pool = new PagePool(MemoryPages);
        for (int round = 0; round < 300; round++)
        {
            IMemoryOwner<byte> memory = pool.AllocateMemory(MemoryPages * PageSize.Bytes);
            PoolMemory folio = PoolMemoryOf(memory);
            Page[] pages = PagesOf(pool, memory);
            using var start = new Barrier(3);
            int pinsSeen = 0;
            void PinAndUnpin()
            {
                start.SignalAndWait();
                for (int i = 0; i < 200 && folio.TryPinFolio(); i++)
                {
                    Assert.All(pages, p => Assert.True(p.PinCount >= 1 && p.RefCount >= 1 + Gup.PinCountingBias));
                    Interlocked.Increment(ref pinsSeen);
                    folio.UnpinFolio();
                }
            }
            Thread[] pinners = [new(PinAndUnpin), new(PinAndUnpin)];
            Array.ForEach(pinners, t => t.Start());
            start.SignalAndWait();
            memory.Dispose();
            Array.ForEach(pinners, t => t.Join());

            Assert.False(folio.TryPinFolio());
            Assert.Equal(pool.Capacity, pool.FreeCount);
            Assert.All(pages, p => Assert.Equal((0, 0), (p.PinCount, p.RefCount)));
        }
    }

    private static Bio PinnedBio(BioOp op, Memory<byte> buffer)
    {
        IovIter iter = IovIter.User(op == BioOp.Read ? IterDirection.Dest : IterDirection.Source, buffer);
        var bio = new Bio(op, 0, QueueLimits.Default);
        Assert.Equal(buffer.Length, bio.AddPagesFrom(iter));
        Assert.Equal(BioFlags.PagePinned, bio.Flags);
        return bio;
    }

    private static PoolMemory PoolMemoryOf(IMemoryOwner<byte> memory)
    {
        Gup.MovableOwnerOf(memory.Memory, out PoolMemory? pool);
        return pool!;
    }

    private static Page[] PagesOf(PagePool pool, IMemoryOwner<byte> memory)
    {
        int first = pool.IndexOf(BlockMemory.AddressOf(memory.Memory));
        return [.. Enumerable.Range(first, memory.Memory.Length / PageSize.Bytes).Select(i => pool[i])];
    }
}
