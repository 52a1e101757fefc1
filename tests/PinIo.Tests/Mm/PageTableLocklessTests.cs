using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Mm;

/// <summary>
/// The lockless pin of a page the table already holds (gup_fast): it must never revive a page
/// an idle-page drop took out of the table, nor pin a page recycled for another address since
/// the lookup found it; while a pin is held, the table's page for the address is the pinned one.
/// </summary>
public sealed class PageTableLocklessTests : PinBalancedTest
{
    private const int RegionBytes = 2 << 20;

    [Fact]
    public void ALocklessPin_RefusesAPageTheTableDropped()
    {
        using var buffer = new NativeBuffer(PageSize.Bytes);
        var pages = new Page[1];
        Assert.Equal(1, Gup.PinUserPages(buffer.Memory, GupFlags.Write, pages));
        Page dropped = pages[0];
        Gup.UnpinUserPages(pages);
        PageTable.DropIdlePagesOfShard(buffer.Address);

        Assert.False(dropped.TryPinFast(buffer.Address), "a lockless pin revived a page the table no longer holds");
        Assert.Equal(0, dropped.PinCount);
        Assert.Equal(0, dropped.RefCount);

        // The next pin finds the address missing and takes the locked walk: a page the table holds.
        Assert.Equal(1, Gup.PinUserPages(buffer.Memory, GupFlags.Write, pages));
        Assert.Same(pages[0], PageTable.Peek(buffer.Address));
        Assert.Equal(1, pages[0].PinCount);
        Gup.UnpinUserPages(pages);
    }

    [Fact]
    public void ALocklessPin_LetsGoOfAPageRecycledForAnotherAddress()
    {
        using var buffer = new NativeBuffer(2 * RegionBytes);
        nint region = (buffer.Address + RegionBytes - 1) & ~(nint)(RegionBytes - 1);
        using var view = new NativeView(region, RegionBytes);
        var pages = new Page[1];
        // The shard's spare pages are a stack: the page dropped last is the next one recycled,
        // unless another test's pin in the same shard takes it first. A few rounds, one must do.
        bool recycled = false;
        for (int round = 0; round < 20 && !recycled; round++)
        {
            Memory<byte> first = view.Memory.Slice(2 * round * PageSize.Bytes, PageSize.Bytes);
            Memory<byte> second = view.Memory.Slice(((2 * round) + 1) * PageSize.Bytes, PageSize.Bytes);
            nint firstAddress = region + (2 * round * PageSize.Bytes);
            Assert.Equal(1, Gup.PinUserPages(first, GupFlags.Write, pages));
            Page page = pages[0];
            Gup.UnpinUserPages(pages);
            PageTable.DropIdlePagesOfShard(firstAddress);

            Assert.Equal(1, Gup.PinUserPages(second, GupFlags.Write, pages));
            recycled = ReferenceEquals(page, pages[0]);
            if (recycled)
            {
                // A lookup of the first address found this page before the drop: it now stands for the second.
                Assert.False(page.TryPinFast(firstAddress), "a lockless pin took a page that now stands for another address");
                Assert.Equal(1, page.PinCount);
                Assert.Equal(Gup.PinCountingBias, page.RefCount);
                Assert.Equal(firstAddress + PageSize.Bytes, page.Address);
            }
            Gup.UnpinUserPages(pages);
        }
        Assert.True(recycled, "no dropped page was recycled for the next address in 20 rounds");
    }

    [Fact]
    public void ALocklessPin_OfAnIdlePage_RevivesTheTablesPage_AndStartsItClean()
    {
        using var buffer = new NativeBuffer(PageSize.Bytes);
        var pages = new Page[1];
        bool revived = false;
        for (int round = 0; round < 5 && !revived; round++)
        {
            Assert.Equal(1, Gup.PinUserPages(buffer.Memory, GupFlags.Write, pages));
            Page idle = pages[0];
            Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);
            // Another test's full shard may drop the idle page meanwhile: then the pin is refused.
            revived = idle.TryPinFast(buffer.Address);
            if (revived)
            {
                Assert.Same(idle, PageTable.Peek(buffer.Address));
                Assert.Equal(1, idle.PinCount);
                Assert.False(idle.IsDirty, "the revived page kept the dirty mark of its last use");
                pages[0] = idle;
                PinStats.OnPinnedRun(1);
                Gup.UnpinUserPages(pages);
            }
        }
        Assert.True(revived);
    }

    [Fact]
    public async Task LocklessPinsRacingIdleDrops_AlwaysHoldTheTablesPageForTheirAddress()
    {
        const int Addresses = 8;
        using var buffer = new NativeBuffer(2 * RegionBytes);
        nint region = (buffer.Address + RegionBytes - 1) & ~(nint)(RegionBytes - 1);
        using var view = new NativeView(region, Addresses * PageSize.Bytes);
        long acquired = PinStats.Acquired;
        long pinned = 0;
        string? failure = null;
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));

        var dropper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                PageTable.DropIdlePagesOfShard(region);
            }
        });
        var pinners = Enumerable.Range(0, 3).Select(worker => Task.Run(() =>
        {
            var pages = new Page[2];
            var random = new Random(worker);
            while (!stop.IsCancellationRequested && failure is null)
            {
                int index = random.Next(Addresses - 1);
                nint address = region + (index * PageSize.Bytes);
                Assert.Equal(2, Gup.PinUserPages(view.Memory.Slice(index * PageSize.Bytes, 2 * PageSize.Bytes), GupFlags.Write, pages));
                for (int i = 0; i < 2; i++)
                {
                    nint expected = address + (i * PageSize.Bytes);
                    if (pages[i].Address != expected || !ReferenceEquals(PageTable.Peek(expected), pages[i]) || pages[i].PinCount < 1)
                    {
                        failure = $"a pin of 0x{expected:x} holds {pages[i]}, the table holds {PageTable.Peek(expected)}";
                    }
                }
                Interlocked.Add(ref pinned, 2);
                Gup.UnpinUserPages(pages);
            }
        })).ToArray();
        await Task.WhenAll([dropper, .. pinners]);

        Assert.Null(failure);
        Assert.Equal(pinned, PinStats.Acquired - acquired);
        AssertBalanced();
    }
}
