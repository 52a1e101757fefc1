using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Mm;

/// <summary>
/// A <see cref="PinCounter"/> set on an iterator counts exactly the pins bios take from that
/// iterator's memory, acquired on the submitting thread and released on whichever thread the
/// I/O ends, apart from every other owner's pins in the process.
/// </summary>
public sealed class PinCounterTests : PinBalancedTest
{
    private const int Pages = 3;

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task EachIteratorsCounterCountsItsOwnPins_ReleasedWhereverTheIoEnds(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(1 << 20, new RamDiskOptions { Completion = completion });
        var first = new PinCounter();
        var second = new PinCounter();
        Memory<byte> a = BlockMemory.Aligned(Pages * PageSize.Bytes);
        Memory<byte> b = BlockMemory.Aligned(PageSize.Bytes);
        Memory<byte> uncounted = BlockMemory.Aligned(2 * PageSize.Bytes);
        long processAcquired = PinStats.Acquired;

        for (int i = 0; i < 5; i++)
        {
            ValueTask<long> one = DirectIo.ReadAsync(disk, 0, Counted(IovIter.User(IterDirection.Dest, a), first));
            ValueTask<long> two = DirectIo.WriteAsync(disk, 1 << 16, Counted(IovIter.User(IterDirection.Source, b), second));
            ValueTask<long> three = DirectIo.ReadAsync(disk, 1 << 17, IovIter.User(IterDirection.Dest, uncounted));
            Assert.Equal(Pages * PageSize.Bytes, await one);
            Assert.Equal(PageSize.Bytes, await two);
            Assert.Equal(2 * PageSize.Bytes, await three);
        }

        Assert.Equal(5 * Pages, first.Acquired);
        Assert.Equal(first.Acquired, first.Released);
        Assert.Equal(5, second.Acquired);
        Assert.Equal(second.Acquired, second.Released);
        Assert.Equal(5 * (Pages + 1 + 2), PinStats.Acquired - processAcquired);
    }

    [Fact]
    public void PagesABioGivesBackWhileBuildingAreCountedReleased()
    {
        var counter = new PinCounter();
        // A page and 100 bytes: the bio keeps whole 512-byte blocks and gives the tail page back.
        Memory<byte> buffer = BlockMemory.Aligned(PageSize.Bytes + 100);
        var bio = new Bio(BioOp.Read, 0, QueueLimits.Default);

        Assert.Equal(PageSize.Bytes, bio.AddPagesFrom(Counted(IovIter.User(IterDirection.Dest, buffer), counter)));
        Assert.Equal(2, counter.Acquired);
        Assert.Equal(1, counter.Released);

        bio.ReleasePages(markDirty: true);
        Assert.Equal(2, counter.Released);
    }

    [Fact]
    public async Task PoolPagesTakeNoPinAndCountNothing()
    {
        using var disk = new RamDisk(1 << 20);
        using var pool = new PagePool(4);
        Page page = pool.Alloc();
        var counter = new PinCounter();

        await DirectIo.ReadAsync(disk, 0, Counted(IovIter.Pages(IterDirection.Dest, [new BioVec(page, 0, PageSize.Bytes)]), counter));
        page.Put();

        Assert.Equal(0, counter.Acquired);
        Assert.Equal(0, counter.Released);
    }

    [Fact]
    public void CountsOnItsHomeThreadAndOnOthersAddUp()
    {
        var counter = new PinCounter();
        counter.OnPinned(2); // this thread is the counter's home from now on
        var other = new Thread(() =>
        {
            counter.OnPinned(3);
            counter.OnUnpinned(4);
        });
        other.Start();
        other.Join();
        counter.OnUnpinned(1);

        Assert.Equal(5, counter.Acquired);
        Assert.Equal(5, counter.Released);
    }

    private static IovIter Counted(IovIter iter, PinCounter counter)
    {
        iter.PinCounter = counter;
        return iter;
    }
}
