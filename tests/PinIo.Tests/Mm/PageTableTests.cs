using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Mm;

/// <summary>
/// The table of caller-memory pages: a page stays (idle) when its last pin goes, as a struct
/// page outlives its users, and a shard drops its idle pages when it has grown by a bound;
/// a run of pages is pinned one lock per 64 KiB region, each page once.
/// </summary>
public sealed class PageTableTests : PinBalancedTest
{
    private const int RegionBytes = 64 << 10;

    [Fact]
    public void APageOfCallerMemory_StaysInTheTableWhenItsLastPinGoes_AndItsNextUseStartsClean()
    {
        using var buffer = new NativeBuffer(PageSize.Bytes);
        var pages = new Page[1];
        // Another test's page going idle in a full shard drops this one if it lands between the
        // unpin and the look: a few rounds, and the page must have stayed in one of them.
        bool stayed = false;
        for (int round = 0; round < 5 && !stayed; round++)
        {
            Assert.Equal(1, Gup.PinUserPages(buffer.Memory, GupFlags.Write, pages));
            Page first = pages[0];
            Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);
            Assert.Equal(0, first.RefCount);
            stayed = PageTable.Holds(buffer.Address);

            Assert.Equal(1, Gup.PinUserPages(buffer.Memory, GupFlags.Write, pages));
            Assert.False(pages[0].IsDirty, "the page's next use kept the dirty mark of its last");
            stayed &= ReferenceEquals(first, pages[0]);
            Gup.UnpinUserPages(pages);
        }
        Assert.True(stayed, "the page left the table with its last pin, round after round");
    }

    [Fact]
    public void AShardDropsItsColdIdlePages_AsNewOnesArrive()
    {
        const int Stride = PageTable.ShardStrideBytes;
        int count = 2 * PageTable.IdlePagesPerShard; // pages of one shard: twice its bound
        using var buffer = new NativeBuffer((count + 1) * Stride); // address space only: nothing touches it
        nint first = (buffer.Address + Stride - 1) & ~(nint)(Stride - 1);
        using var view = new NativeView(first, count * Stride);
        var pages = new Page[1];
        // A shard's bound counts from its size at its last drop, whatever it held before: start from one.
        PageTable.DropIdlePagesOfShard(first);

        for (int i = 0; i < count; i++)
        {
            Assert.Equal(1, Gup.PinUserPages(view.Memory.Slice(i * Stride, PageSize.Bytes), GupFlags.Write, pages));
            Gup.UnpinUserPages(pages);
        }

        int held = Enumerable.Range(0, count).Count(i => PageTable.Holds(first + ((nint)i * Stride)));
        // Other tests' pages in the same shard move the moment of a drop by a few.
        Assert.True(held <= PageTable.IdlePagesPerShard + 16, $"{held} of {count} idle pages stayed in a shard bounded at {PageTable.IdlePagesPerShard} more than its last drop");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ARunAcrossARegionBoundary_PinsEveryPageOnce_AndCountsEveryPin(bool pin)
    {
        using var buffer = new NativeBuffer(2 * RegionBytes);
        nint boundary = (buffer.Address + RegionBytes) & ~(nint)(RegionBytes - 1);
        using var view = new NativeView(boundary - (3 * PageSize.Bytes), 6 * PageSize.Bytes);
        var pages = new Page[6];
        long acquired = PinStats.Acquired;
        long released = PinStats.Released;

        int taken = pin ? Gup.PinUserPages(view.Memory[100..], GupFlags.Write, pages) : Gup.GetUserPages(view.Memory[100..], GupFlags.Write, pages);

        Assert.Equal(6, taken);
        for (int i = 0; i < pages.Length; i++)
        {
            Assert.Equal(boundary + ((i - 3) * PageSize.Bytes), pages[i].Address);
            Assert.Equal(pin ? 1 : 0, pages[i].PinCount);
            Assert.Equal(pin ? Gup.PinCountingBias : 1, pages[i].RefCount);
        }
        Assert.Equal(acquired + (pin ? 6 : 0), PinStats.Acquired);
        if (pin)
        {
            Gup.UnpinUserPages(pages);
        }
        else
        {
            Array.ForEach(pages, p => p.Put());
        }
        Assert.Equal(released + (pin ? 6 : 0), PinStats.Released);
        Assert.All(pages, p => Assert.Equal(0, p.RefCount));
    }
}
