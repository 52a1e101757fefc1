using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests;

public sealed class ObjectCacheTests : PinBalancedTest
{
    private sealed class PerThreadItem;

    private sealed class SharedItem;

    private sealed class OverflowItem;

    [Fact]
    public void APerThreadCacheGivesBackTheLastObjectReturnedOnThisThread()
    {
        var cache = new ObjectCache<PerThreadItem>(4, perThread: true);
        var a = new PerThreadItem();
        var b = new PerThreadItem();
        cache.Return(a);
        cache.Return(b);

        Assert.Same(b, cache.TryTake());
        Assert.Same(a, cache.TryTake());
        Assert.Null(cache.TryTake());
    }

    [Fact]
    public void ObjectsKeptByOneThreadAreNotSeenByAnother_OnceItsOwnSlotsAreFullTheRestAreShared()
    {
        const int Shared = 24;
        var cache = new ObjectCache<OverflowItem>(64, perThread: true);
        var items = Enumerable.Range(0, ThreadStack.Slots + Shared).Select(_ => new OverflowItem()).ToArray();
        RunOnNewThread(() =>
        {
            foreach (OverflowItem item in items)
            {
                cache.Return(item);
            }
        });

        var taken = new List<OverflowItem>();
        RunOnNewThread(() =>
        {
            while (cache.TryTake() is OverflowItem item)
            {
                taken.Add(item);
            }
        });

        // The returning thread kept as many as its stack holds; the ones beyond went to the shared slots.
        Assert.Equal(Shared, taken.Count);
        Assert.All(taken, item => Assert.Contains(item, items));
        Assert.Equal(Shared, taken.Distinct().Count());
    }

    [Fact]
    public void ACacheWithoutPerThreadSlotsSharesEveryObject()
    {
        var cache = new ObjectCache<SharedItem>(4);
        var item = new SharedItem();
        RunOnNewThread(() => cache.Return(item));

        SharedItem? taken = null;
        RunOnNewThread(() => taken = cache.TryTake());

        Assert.Same(item, taken);
    }

    [Fact]
    public void AFullCacheDropsWhatItCannotHold()
    {
        var cache = new ObjectCache<SharedItem>(2);
        cache.Return(new SharedItem());
        cache.Return(new SharedItem());
        cache.Return(new SharedItem());

        Assert.NotNull(cache.TryTake());
        Assert.NotNull(cache.TryTake());
        Assert.Null(cache.TryTake());
    }

    private static void RunOnNewThread(Action action)
    {
        var thread = new Thread(() => action());
        thread.Start();
        thread.Join();
    }
}
