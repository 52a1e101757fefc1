using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// Jobs on one target lay out a region once between them (numjobs=1000 on one RAM disk wrote
/// the disk a thousand times before any job started); a region whose layout failed or was
/// stopped is laid out by the next job that needs it; a stopped job does not wait for another's.
/// </summary>
public sealed class SharedLayoutTests : PinBalancedTest
{
    [Fact]
    public void ManyJobsOnOneRegion_LayItOutOnce()
    {
        var layout = new SharedLayout();
        int layouts = 0;
        var threads = Enumerable.Range(0, 16).Select(_ => new Thread(() => layout.LayOut(0, 1 << 20, () =>
        {
            Interlocked.Increment(ref layouts);
            Thread.Sleep(50);
            return true;
        }, CancellationToken.None))).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Equal(1, layouts);
    }

    [Fact]
    public void ARegionInsideALaidOutOneIsDone_AnotherRegionIsLaidOut()
    {
        var layout = new SharedLayout();
        int layouts = 0;
        bool Count()
        {
            layouts++;
            return true;
        }

        layout.LayOut(0, 1 << 20, Count, CancellationToken.None);
        layout.LayOut(4096, 8192, Count, CancellationToken.None);
        layout.LayOut(1 << 20, 2 << 20, Count, CancellationToken.None);

        Assert.Equal(2, layouts);
    }

    [Fact]
    public void AFailedLayoutIsDoneAgainByTheNextJob()
    {
        var layout = new SharedLayout();
        int layouts = 0;

        layout.LayOut(0, 4096, () => ++layouts > 1, CancellationToken.None);
        layout.LayOut(0, 4096, () => ++layouts > 1, CancellationToken.None);
        layout.LayOut(0, 4096, () => ++layouts > 1, CancellationToken.None);

        Assert.Equal(2, layouts);
    }

    [Fact]
    public void AStoppedJobDoesNotWaitForAnothersLayout()
    {
        var layout = new SharedLayout();
        using var inLayout = new ManualResetEventSlim();
        using var finish = new ManualResetEventSlim();
        var first = new Thread(() => layout.LayOut(0, 4096, () =>
        {
            inLayout.Set();
            finish.Wait();
            return true;
        }, CancellationToken.None));
        first.Start();
        inLayout.Wait();
        using var stop = new CancellationTokenSource();
        bool laidOutBySecond = false;
        var second = new Thread(() => layout.LayOut(0, 4096, () => laidOutBySecond = true, stop.Token));

        second.Start();
        stop.Cancel();
        bool secondEnded = second.Join(TimeSpan.FromSeconds(20));
        finish.Set();
        first.Join();

        Assert.True(secondEnded, "a stopped job waited for another job's layout");
        Assert.False(laidOutBySecond);
    }
}
