using PinIo.Cli.Jobs;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// iodepth_batch_complete_max, fio's meaning: a reap takes at most that many completions (by
/// default iodepth_batch_complete_min's, 1: one at a time, as fio's getevents), never fewer than
/// it waits for; what is left is taken by the next reap. And auto_batch, pinio's default where a
/// job names no batch: an eighth of the queue (two at least) submitted and reaped together, on a
/// file's ring at depth 8 or more, and nowhere a batch would shift what the job paces.
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
    public void WithoutAutoBatchEachReapTakesOneCompletion()
    {
        JobResult result = RunOnFile("fio.dat", "--auto_batch=0");

        Assert.Equal(0, result.Error);
        Assert.Equal(512, result.Stats.Read.TotalIos);
        Assert.Equal(result.Stats.Read.TotalIos, result.Stats.TotalCompleteBatches);
        Assert.Equal(result.Stats.TotalCompleteBatches, result.Stats.CompleteMap[1]);
    }

    [Fact]
    public void ByDefaultAReapTakesAnEighthOfTheQueueAtMost()
    {
        JobResult result = RunOnFile("dflt.dat");

        Assert.Equal(0, result.Error);
        Assert.Equal(512, result.Stats.Read.TotalIos);
        // Depth 16: two per reap at most (one where only one had ended), so at least 256 reaps.
        Assert.InRange(result.Stats.TotalCompleteBatches, 256, 512);
        Assert.Equal(0, result.Stats.CompleteMap[3..].Sum());
    }

    [Theory]
    [InlineData(4, 0, 4)]
    [InlineData(4, 1, 1)]
    [InlineData(4, 3, 1)]
    [InlineData(4, 9, 1)]
    [InlineData(2, 0, 2)]
    [InlineData(1, 0, 1)]
    [InlineData(1, 5, 1)]
    public void AReadyFirstReapWaitsForItsBatchOnlyWhenNothingHasEnded(int min, int ready, int waitsFor)
    {
        Assert.Equal(waitsFor, Completions.WaitsFor(min, ready));
    }

    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "--auto_batch=0" }, false)]
    [InlineData(new[] { "--iodepth_batch_complete_min=4" }, false)]
    [InlineData(new[] { "--iodepth_batch_submit=4", "--iodepth_batch_complete_min=4" }, false)]
    public void OnlyAutoBatchReapsWhatIsReadyFirst(string[] options, bool readyFirst)
    {
        // fio's iodepth_batch_complete_min, named, keeps its meaning: every reap waits for it.
        string path = _dir.File("ready.dat");
        File.WriteAllBytes(path, new byte[1 << 20]);

        JobPlan plan = TestJobs.Plan([$"--filename={path}", "--rw=randread", "--ioengine=io_uring", "--direct=1", "--iodepth=32", .. options]);

        Assert.Equal(readyFirst, plan.ReapsReadyFirst);
    }

    [Theory]
    [InlineData(16, new string[0], 2, 2)]
    [InlineData(32, new string[0], 4, 4)]
    [InlineData(8, new string[0], 2, 2)]
    [InlineData(4, new string[0], 1, 1)]
    [InlineData(32, new[] { "--auto_batch=0" }, 1, 1)]
    [InlineData(32, new[] { "--iodepth_batch_submit=1" }, 1, 1)]
    [InlineData(32, new[] { "--iodepth_batch_complete_min=2" }, 1, 2)]
    [InlineData(32, new[] { "--rate_iops=1000" }, 1, 1)]
    [InlineData(32, new[] { "--rate=1m" }, 1, 1)]
    [InlineData(32, new[] { "--thinktime=10" }, 1, 1)]
    [InlineData(32, new[] { "--latency_target=1ms", "--latency_window=1s" }, 1, 1)]
    [InlineData(32, new[] { "--flow=1" }, 1, 1)]
    [InlineData(32, new[] { "--ioengine=libaio" }, 1, 1)]
    [InlineData(32, new[] { "--sqthread_poll=1" }, 1, 1)]
    public void AutoBatchTakesAnEighthOnlyWhereTheJobNamesNoBatchAndPacesNothing(int depth, string[] options, int submit, int completeMin)
    {
        string path = _dir.File("plan.dat");
        File.WriteAllBytes(path, new byte[1 << 20]);

        JobPlan plan = TestJobs.Plan([$"--filename={path}", "--rw=randread", "--ioengine=io_uring", "--direct=1", $"--iodepth={depth}", .. options]);

        Assert.Equal((submit, completeMin), (plan.BatchSubmit, plan.BatchCompleteMin));
        Assert.Equal(submit > 1, plan.Notes.Any(n => n.StartsWith("auto_batch:", StringComparison.Ordinal)));
    }

    [Fact]
    public void ARamDiskKeepsFiosShape()
    {
        JobPlan plan = TestJobs.Plan(["--filename=ram:1m", "--iodepth=32", "--ioengine=io_uring"]);

        Assert.Equal((1, 1), (plan.BatchSubmit, plan.BatchCompleteMin));
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
