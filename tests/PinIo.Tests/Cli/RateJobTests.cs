using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// rate=, rate_iops=, rate_min= and rate_process= with fio's meanings, on the RAM disk (which
/// runs far faster than any rate here, so what the job does is the pacing's doing). The issue
/// asks for the rate held within 5% over 2 s: a semantics check of the schedule, not a speed test.
/// </summary>
public sealed class RateJobTests : PinBalancedTest
{
    [Fact]
    public void Rate_HoldsTheBandwidthWithinFivePercentOverTwoSeconds()
    {
        JobResult result = TestJobs.Run("--filename=ram:64m", "--fixedbufs", "--rw=read", "--bs=4k", "--ioengine=psync", "--iodepth=1", "--rate=2m", "--time_based", "--runtime=2s");

        double bytesPerSecond = result.Stats.Read.IoBytes * 1000.0 / result.RuntimeMs;
        Assert.InRange(bytesPerSecond, 0.95 * (2 << 20), 1.05 * (2 << 20));
        Assert.Equal(0, result.Error);
    }

    [Fact]
    public void RateIops_HoldsTheIopsWithinFivePercentOverTwoSeconds()
    {
        JobResult result = TestJobs.Run("--filename=ram:64m", "--fixedbufs", "--rw=randwrite", "--bs=4k", "--ioengine=psync", "--iodepth=1", "--rate_iops=700", "--time_based", "--runtime=2s");

        double iops = result.Stats.Write.TotalIos * 1000.0 / result.RuntimeMs;
        Assert.InRange(iops, 0.95 * 700, 1.05 * 700);
    }

    [Fact]
    public void RateIops_WithOffload_HoldsTheIopsOnAnAsyncEngineWithoutWaitingForCompletions()
    {
        // offload: the I/O in flight completes while the job sleeps for its rate, up to iodepth of it.
        JobResult result = TestJobs.Run("--filename=ram:64m", "--fixedbufs", "--rw=randread", "--bs=4k", "--ioengine=io_uring", "--iodepth=8", "--io_submit_mode=offload", "--rate_iops=700", "--time_based", "--runtime=2s");

        // The 5% band, as the psync tests above. (It was loosened to 0.5x while the RAM disk
        // ended async bios on the thread pool, which earlier tests of the suite could leave
        // short of threads; the disk ends them on a thread of its own now.)
        double iops = result.Stats.Read.TotalIos * 1000.0 / result.RuntimeMs;
        Assert.InRange(iops, 0.95 * 700, 1.05 * 700);
        Assert.True(result.Stats.DepthMap.Skip(1).Any(count => count > 0), "every I/O was issued with nothing else in flight");
    }

    [Fact]
    public void Rate_PerDirection_CapsOnlyTheDirectionGiven()
    {
        // rate=,256k: writes capped, reads not (fio's "rate=,500k only limits writes").
        JobResult result = TestJobs.Run("--filename=ram:64m", "--fixedbufs", "--rw=randrw", "--bs=4k", "--ioengine=psync", "--iodepth=1", "--rate=,256k", "--time_based", "--runtime=2s");

        double writeRate = result.Stats.Write.IoBytes * 1000.0 / result.RuntimeMs;
        Assert.InRange(writeRate, 0.95 * (256 << 10), 1.05 * (256 << 10));
        // Reads are uncapped: the mix keeps them beside the capped writes, never held below them by a cap of their own.
        Assert.True(result.Stats.Read.IoBytes >= result.Stats.Write.IoBytes / 2, $"reads {result.Stats.Read.IoBytes} bytes, writes {result.Stats.Write.IoBytes}");
    }

    [Fact]
    public void RatePoisson_HoldsTheMeanRate()
    {
        JobResult result = TestJobs.Run("--filename=ram:64m", "--fixedbufs", "--rw=randread", "--bs=4k", "--ioengine=psync", "--iodepth=1", "--rate_iops=1000", "--rate_process=poisson", "--time_based", "--runtime=2s");

        double iops = result.Stats.Read.TotalIos * 1000.0 / result.RuntimeMs;
        // 2000 exponential gaps: the mean's standard deviation is 1/sqrt(2000), about 2.2%.
        Assert.InRange(iops, 0.9 * 1000, 1.1 * 1000);
    }

    [Fact]
    public void RateMin_FailsAJobThatCannotReachIt_WithFiosMessage()
    {
        JobResult result = TestJobs.Run("--filename=ram:64m", "--fixedbufs", "--rw=read", "--bs=4k", "--ratemin=1000g", "--ratecycle=100", "--time_based", "--runtime=20s");

        Assert.Equal(5, result.Error);
        Assert.Contains("main: rate_min=1073741824000B/s not met, got ", result.ErrorText, StringComparison.Ordinal);
        Assert.True(result.RuntimeMs < 19_000, $"the job ran {result.RuntimeMs} ms: it should have stopped at its first ratecycle after the 2 s settling time");
    }

    [Fact]
    public void RateIopsMin_FailsAJobPacedBelowIt()
    {
        // A rate below the minimum is refused at planning; a thinktime slows the job instead.
        JobResult result = TestJobs.Run("--filename=ram:64m", "--fixedbufs", "--rw=read", "--bs=4k", "--ioengine=psync", "--iodepth=1", "--thinktime=20ms", "--rate_iops_min=100", "--ratecycle=200", "--time_based", "--runtime=20s");

        Assert.Equal(5, result.Error);
        Assert.Contains("main: rate_iops_min=100 not met, got ", result.ErrorText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1m", 1L << 20, 1L << 20, 1L << 20)]
    [InlineData("1m,500k", 1L << 20, 500L << 10, 500L << 10)]
    [InlineData("500k,", 500L << 10, 0, 0)]
    [InlineData(",500k", 0, 500L << 10, 500L << 10)]
    [InlineData("300,300,300", 300, 300, 300)]
    public void Rate_IsReadPerDirectionAsFioReadsIt(string value, long read, long write, long trim)
    {
        JobPlan plan = TestJobs.Plan("--filename=ram:8m", $"--rate={value}");

        Assert.Equal(new RatePerDir(read, write, trim), plan.Get(Opt.Rate));
    }

    [Fact]
    public void RateAndRateIops_AreMutuallyExclusive()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--filename=ram:8m", "--rate=1m", "--rate_iops=100"));
        Assert.Contains("mutually exclusive", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RateMinAboveRate_IsRefused()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--filename=ram:8m", "--rate=1m", "--ratemin=2m"));
        Assert.Contains("minimum rate exceeds rate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IoSubmitModeOffload_RunsInline_AndSaysSo()
    {
        JobPlan plan = TestJobs.Plan("--filename=ram:8m", "--io_submit_mode=offload");

        Assert.Contains(plan.Notes, n => n.StartsWith("io_submit_mode=offload", StringComparison.Ordinal));
        Assert.Equal(IoSubmitMode.Offload, plan.Get(Opt.IoSubmitMode));
    }
}
