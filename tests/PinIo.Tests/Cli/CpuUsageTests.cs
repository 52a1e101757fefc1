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
        // 300 ms on a CPU by the scheduler's count; getrusage's figure is taken from the same clock in ticks.
        Assert.InRange((used.User + used.System).TotalMilliseconds, 250, 2000);
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

    /// <summary>
    /// Spins until the calling thread has run <paramref name="length"/> on a CPU by the
    /// scheduler's own count (/proc/thread-self/schedstat), not by the wall clock: on a loaded
    /// machine 300 ms of wall time gave the thread under 50 ms of CPU. Ten seconds at most.
    /// </summary>
    private static void Spin(TimeSpan length)
    {
        long start = RunNanoseconds();
        var wall = Stopwatch.StartNew();
        double sink = 0;
        while (RunNanoseconds() - start < length.Ticks * 100 && wall.Elapsed < TimeSpan.FromSeconds(10))
        {
            for (int i = 0; i < 10_000; i++)
            {
                sink += Math.Sqrt(i);
            }
        }
        GC.KeepAlive(sink);
    }

    private static long RunNanoseconds() =>
        long.Parse(File.ReadAllText("/proc/thread-self/schedstat").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
}
