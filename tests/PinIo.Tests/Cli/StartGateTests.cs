using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>The jobs of a segment start together: none before the last has arrived, all after it, the opening action once.</summary>
public sealed class StartGateTests : PinBalancedTest
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(300)]
    public void NoJobGoesBeforeTheLastArrives_ThenAllGo(int jobs)
    {
        int opened = 0;
        int arrived = 0;
        int wentEarly = 0;
        using var gate = new StartGate(jobs, () => Interlocked.Increment(ref opened));
        var threads = Enumerable.Range(0, jobs).Select(i => new Thread(() =>
        {
            Interlocked.Increment(ref arrived);
            gate.ArriveAndWait(i, CancellationToken.None);
            if (Volatile.Read(ref arrived) != jobs)
            {
                Interlocked.Increment(ref wentEarly);
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        bool allEnded = threads.All(t => t.Join(TimeSpan.FromSeconds(20)));

        Assert.True(allEnded, "a job never went through the gate");
        Assert.Equal(0, wentEarly);
        Assert.Equal(1, opened);
    }

    [Fact]
    public void AStoppedRunDoesNotWaitForAJobThatNeverArrives()
    {
        using var gate = new StartGate(3);
        using var stop = new CancellationTokenSource();
        var waiting = new Thread(() => gate.ArriveAndWait(0, stop.Token));
        waiting.Start();

        stop.Cancel();

        Assert.True(waiting.Join(TimeSpan.FromSeconds(20)), "the gate held a stopped job");
    }
}
