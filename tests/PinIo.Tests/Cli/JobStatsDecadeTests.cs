using PinIo.Cli.Stats;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>fio's latency decades (io_u_mark_latency): a latency lands in the first decade whose bound it is below, the last when past them all.</summary>
public sealed class JobStatsDecadeTests : PinBalancedTest
{
    [Fact]
    public void EveryLatencyLandsInTheFirstDecadeWhoseBoundItIsBelow()
    {
        for (long value = 0; value < 1000; value++)
        {
            int expected = FirstBoundAbove(value);
            AssertMarked(value, s => s.LatNsec, expected);
            AssertMarked(value * 1000, s => s.LatUsec, value == 0 ? -1 : expected);
            AssertMarked(value * 1_000_000, s => s.LatMsec, value == 0 ? -1 : expected);
        }
        AssertMarked(1_500_000_000, s => s.LatMsec, 10);
        AssertMarked(5_000_000_000, s => s.LatMsec, 11);
    }

    private static void AssertMarked(long nanoseconds, Func<JobStats, long[]> map, int expected)
    {
        if (expected < 0)
        {
            return; // 0 us and 0 ms are the nanosecond and microsecond maps' values
        }
        var stats = new JobStats();
        stats.MarkLatency(nanoseconds);
        long[] marks = map(stats);
        Assert.True(marks[expected] == 1 && marks.Sum() == 1, $"{nanoseconds} ns: expected decade {expected}, marked [{string.Join(',', marks)}]");
    }

    private static int FirstBoundAbove(long value)
    {
        int[] bounds = JobStats.DecadeBounds;
        for (int i = 0; i < bounds.Length; i++)
        {
            if (value < bounds[i])
            {
                return i;
            }
        }
        return bounds.Length - 1;
    }
}
