using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli.Sched;

public sealed class LatencyTargetTests : PinBalancedTest
{
    [Fact]
    public void TheProbeClimbsToTheHighestDepthThatMeetsTheTargetAndEnds()
    {
        // dm-delay holds every read 5 ms, concurrently: far under a 1 s target at any depth, so the
        // probe doubles from 1 to iodepth, runs its last window there and ends the job.
        JobPlan plan = TestJobs.Plan("--name=lt", "--filename=faulty:delay,read=5ms:ram:16m", "--rw=randread", "--ioengine=io_uring", "--iodepth=32",
            "--latency_target=1s", "--latency_window=250ms", "--latency_percentile=90", "--time_based", "--runtime=60");
        using IBlockDevice device = plan.Target.Open(0);

        JobResult result = TestJobs.Run(plan, device);

        Assert.Equal(0, result.Error);
        Assert.Equal(32, result.LatencyDepth);
        Assert.True(result.RuntimeMs < 60_000, $"the probe never settled ({result.RuntimeMs} ms)");
    }

    [Fact]
    public void ALateIoAtDepthOneWithPercentile100FailsWithEtimedout()
    {
        JobPlan plan = TestJobs.Plan("--name=lt", "--filename=faulty:delay,read=5ms:ram:16m", "--rw=randread", "--ioengine=io_uring", "--iodepth=8",
            "--latency_target=1ms", "--latency_window=1s", "--time_based", "--runtime=60");
        using IBlockDevice device = plan.Target.Open(0);

        JobResult result = TestJobs.Run(plan, device);

        Assert.Equal((int)Errno.ETIMEDOUT, result.Error);
        Assert.Contains("latency_target", result.ErrorText, StringComparison.Ordinal);
        Assert.Equal(1, result.LatencyDepth);
    }

    [Fact]
    public void ALatencyTargetWithoutAWindowIsRefused()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--name=lt", "--filename=ram:1m", "--latency_target=1ms"));

        Assert.Contains("latency_window", e.Message, StringComparison.Ordinal);
    }
}
