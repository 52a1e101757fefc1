using System.Diagnostics;
using PinIo.Cli.Stats;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>A job's CPU figures are its own thread's when it drives its own I/O, as fio's are per job.</summary>
public sealed class CpuUsageTests : PinBalancedTest
{
    [Fact]
    public void ForThread_CountsTheCallingThreadsWork()
    {
        CpuUsage start = CpuUsage.ForThread();
        Spin(TimeSpan.FromMilliseconds(300));
        CpuUsage used = CpuUsage.ForThread() - start;
        Assert.True(used.PerThread);
        // The spin lasts 300 ms of wall time; on a loaded machine it gets a part of a CPU.
        Assert.InRange((used.User + used.System).TotalMilliseconds, 50, 2000);
    }

    [Fact]
    public void ForThread_LeavesOutAnotherThreadsWork_ForProcessDoesNot()
    {
        CpuUsage threadStart = CpuUsage.ForThread();
        CpuUsage processStart = CpuUsage.ForProcess();
        var other = new Thread(() => Spin(TimeSpan.FromMilliseconds(300)));
        other.Start();
        other.Join();
        CpuUsage thread = CpuUsage.ForThread() - threadStart;
        CpuUsage process = CpuUsage.ForProcess() - processStart;
        Assert.False(process.PerThread);
        Assert.True((thread.User + thread.System).TotalMilliseconds < 40, $"the waiting thread was charged {thread.User + thread.System}");
        Assert.True((process.User + process.System).TotalMilliseconds >= 50, $"the process was charged only {process.User + process.System}");
    }

    [Fact]
    public void ThreadSwitchesCountOnlyThisThreadsSleeps()
    {
        CpuUsage start = CpuUsage.ForThread();
        for (int i = 0; i < 20; i++)
        {
            Thread.Sleep(1);
        }
        CpuUsage used = CpuUsage.ForThread() - start;
        Assert.InRange(used.ContextSwitches, 20, 10_000);
    }

    private static void Spin(TimeSpan length)
    {
        var clock = Stopwatch.StartNew();
        double sink = 0;
        while (clock.Elapsed < length)
        {
            for (int i = 0; i < 10_000; i++)
            {
                sink += Math.Sqrt(i);
            }
        }
        GC.KeepAlive(sink);
    }
}
