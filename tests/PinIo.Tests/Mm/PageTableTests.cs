using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Mm;

/// <summary>
/// The table of caller-memory pages: a page stays (idle) when its last pin goes, as a struct
/// page outlives its users, within a bound per shard; a run of pages is pinned one lock per
/// 2 MiB region, each page once.
/// </summary>
public sealed class PageTableTests : PinBalancedTest
{
    private const int RegionBytes = 2 << 20;

    [Fact]
    public void APageOfCallerMemory_StaysInTheTableWhenItsLastPinGoes_AndItsNextUseStartsClean()
    {
        using var buffer = new NativeBuffer(PageSize.Bytes);
        var pages = new Page[1];
        Assert.Equal(1, Gup.PinUserPages(buffer.Memory, GupFlags.Write, pages));
        Page first = pages[0];

        Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);

        Assert.True(PageTable.Holds(buffer.Address), "the page left the table with its last pin");
        Assert.Equal(0, first.RefCount);
        Assert.Equal(1, Gup.PinUserPages(buffer.Memory, GupFlags.Write, pages));
        Assert.Same(first, pages[0]);
        Assert.False(pages[0].IsDirty, "the idle page kept the dirty mark of its last use");
        Gup.UnpinUserPages(pages);
    }

    [Fact]
    public void AShardKeepsAtMostItsBoundOfIdlePages()
    {
        using var buffer = new NativeBuffer(2 * RegionBytes);
        nint region = (buffer.Address + RegionBytes - 1) & ~(nint)(RegionBytes - 1);
        using var view = new NativeView(region, RegionBytes);
        var pages = new Page[RegionBytes / PageSize.Bytes];

        Assert.Equal(pages.Length, Gup.PinUserPages(view.Memory, GupFlags.Write, pages));
        Assert.True(PageTable.PagesInShardOf(region) >= pages.Length);
        Gup.UnpinUserPages(pages);

        // Other tests may hold a few live pages in the same shard meanwhile.
        int held = PageTable.PagesInShardOf(region);
        Assert.True(held <= PageTable.IdlePagesPerShard + 64, $"{held} pages stay in a shard bounded at {PageTable.IdlePagesPerShard} idle ones");
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
