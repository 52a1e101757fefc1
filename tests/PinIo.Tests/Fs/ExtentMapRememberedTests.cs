using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// The extent a Direct I/O maps without the metadata lock: only a written extent the map still
/// holds is ever found, every change of the map forgets it, and a reader racing changes never
/// sees fields of two different extents mixed.
/// </summary>
public sealed class ExtentMapRememberedTests : PinBalancedTest
{
    [Fact]
    public void ARememberedWrittenExtent_IsFoundForEachOfItsBlocks_AndNothingOutsideIt()
    {
        var map = new ExtentMap();
        var extent = new Extent(10, 100, 5, Unwritten: false);
        map.Insert(extent);
        Assert.False(map.TryFindRemembered(10, out _));

        map.Remember(extent);

        for (long block = 10; block < 15; block++)
        {
            Assert.True(map.TryFindRemembered(block, out Extent found));
            Assert.Equal(extent, found);
        }
        Assert.False(map.TryFindRemembered(9, out _));
        Assert.False(map.TryFindRemembered(15, out _));
    }

    [Fact]
    public void AnUnwrittenExtent_IsNeverRemembered()
    {
        var map = new ExtentMap();
        var extent = new Extent(0, 100, 4, Unwritten: true);
        map.Insert(extent);
        map.Remember(extent);
        Assert.False(map.TryFindRemembered(0, out _));
    }

    public static TheoryData<string> Changes => ["insert", "remove", "convert", "remove-elsewhere"];

    [Theory]
    [MemberData(nameof(Changes))]
    public void EveryChangeOfTheMap_ForgetsTheRememberedExtent(string change)
    {
        var map = new ExtentMap();
        var written = new Extent(0, 100, 8, Unwritten: false);
        map.Insert(written);
        map.Insert(new Extent(20, 300, 4, Unwritten: true));
        map.Remember(written);
        Assert.True(map.TryFindRemembered(3, out _));

        switch (change)
        {
            case "insert":
                map.Insert(new Extent(8, 108, 2, Unwritten: false));
                break;
            case "remove":
                map.Remove(4, 8);
                break;
            case "convert":
                Assert.Equal(4, map.Convert(20, 24));
                break;
            default:
                map.Remove(20, 24);
                break;
        }

        Assert.False(map.TryFindRemembered(3, out _));
    }

    [Fact]
    public void AConvertThatFindsNothingUnwritten_ChangesNothing_AndKeepsIt()
    {
        var map = new ExtentMap();
        var written = new Extent(0, 100, 8, Unwritten: false);
        map.Insert(written);
        map.Remember(written);
        Assert.Equal(0, map.Convert(0, 8));
        Assert.True(map.TryFindRemembered(0, out Extent found));
        Assert.Equal(written, found);
    }

    /// <summary>
    /// A writer (under its lock, as the metadata lock) swaps the file's blocks 0..N between two
    /// placements and remembers each; readers without the lock must only ever find one of the
    /// two whole. A torn read of the seqlock's fields would pair one's device block with the
    /// other's length.
    /// </summary>
    [Fact]
    public async Task ReadersRacingChanges_FindOnlyWholeExtentsTheMapHeld()
    {
        var map = new ExtentMap();
        var a = new Extent(0, 1_000, 10, Unwritten: false);
        var b = new Extent(0, 5_000_000, 20, Unwritten: false);
        var gate = new object();
        lock (gate)
        {
            map.Insert(a);
            map.Remember(a);
        }
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        long hits = 0, torn = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (map.TryFindRemembered(5, out Extent found))
                {
                    Interlocked.Increment(ref hits);
                    if (found != a && found != b)
                    {
                        Interlocked.Increment(ref torn);
                    }
                }
            }
        })).ToArray();
        bool onA = true;
        while (!stop.IsCancellationRequested)
        {
            lock (gate)
            {
                Extent from = onA ? a : b, to = onA ? b : a;
                map.Remove(0, from.Count);
                map.Insert(to);
                map.Remember(to);
                onA = !onA;
            }
        }
        await Task.WhenAll(readers);
        Assert.Equal(0, torn);
        Assert.True(hits > 0, "the readers never found the remembered extent: the race was not exercised");
    }
}
