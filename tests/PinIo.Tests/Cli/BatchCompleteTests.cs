using PinIo.Cli.Jobs;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// iodepth_batch_complete_max, fio's meaning: a reap takes at most that many completions (by
/// default iodepth_batch_complete_min's, 1: one at a time, as fio's getevents), never fewer than
/// it waits for; what is left is taken by the next reap.
/// </summary>
public sealed class BatchCompleteTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(new string[0], 1, 1)]
    [InlineData(new[] { "--iodepth_batch_complete_max=4" }, 1, 4)]
    [InlineData(new[] { "--iodepth_batch_complete_min=8", "--iodepth_batch_complete_max=4" }, 8, 8)]
    [InlineData(new[] { "--iodepth_batch_complete_min=0", "--iodepth_batch_complete_max=0" }, 0, 0)]
    public void TheMostAReapTakesIsRaisedToItsLeast(string[] options, int min, int max)
    {
        JobPlan plan = TestJobs.Plan(["--filename=ram:1m", "--iodepth=16", .. options]);

        Assert.Equal((min, max), (plan.BatchCompleteMin, plan.BatchCompleteMax));
    }

    [Fact]
    public void ByDefaultEachReapTakesOneCompletion()
    {
        JobResult result = RunOnFile("dflt.dat");

        Assert.Equal(0, result.Error);
        Assert.Equal(512, result.Stats.Read.TotalIos);
        Assert.Equal(result.Stats.Read.TotalIos, result.Stats.TotalCompleteBatches);
        Assert.Equal(result.Stats.TotalCompleteBatches, result.Stats.CompleteMap[1]);
    }

    [Fact]
    public void AReapTakesNoMoreThanTheMost()
    {
        JobResult result = RunOnFile("max.dat", "--iodepth_batch_complete_min=4", "--iodepth_batch_complete_max=8");

        Assert.Equal(0, result.Error);
        Assert.Equal(512, result.Stats.Read.TotalIos);
        Assert.True(result.Stats.TotalCompleteBatches * 8 >= result.Stats.Read.TotalIos, $"{result.Stats.TotalCompleteBatches} reaps took {result.Stats.Read.TotalIos} completions");
        Assert.Equal(0, result.Stats.CompleteMap[3..].Sum());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>2 MiB of 4 KiB random reads at depth 16 by io_uring from a file: I/O in flight, reaped by the loop.</summary>
    private JobResult RunOnFile(string name, params string[] options)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, new byte[2 << 20]);
        JobPlan plan = TestJobs.Plan([$"--filename={path}", "--size=2m", "--rw=randread", "--bs=4k", "--iodepth=16", "--ioengine=io_uring", "--direct=1", "--time_based=0", "--runtime=0", .. options]);
        using var device = plan.Target.Open(0);
        return TestJobs.Run(plan, device);
    }
}
