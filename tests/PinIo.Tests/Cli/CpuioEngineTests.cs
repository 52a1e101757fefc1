using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// ioengine=cpuio (fio's cpu engine): no I/O, the job's thread busy cpuload percent of the
/// time. Measured from the kernel's own account of the thread (/proc/thread-self/schedstat),
/// in a loose band that a loaded machine (two CPUs shared by a dozen runnable threads) cannot
/// push out of it: what the thread asked of the CPUs — the time it ran plus the time it waited
/// runnable — is at least half of cpuload (load only adds waiting), and the time it ran is well
/// short of all of it (load only takes running away). Semantics, not speed.
/// </summary>
public sealed class CpuioEngineTests : PinBalancedTest
{
    [Theory]
    [InlineData("noop")]
    [InlineData("qsort")]
    public void ACpuioJob_BurnsAboutCpuloadOfACpu_AndCountsNoBytes(string mode)
    {
        // A sort takes what it takes (fio times it for the cycle): long enough a runtime for a few cycles of it on a loaded machine.
        string runtime = mode == "qsort" ? "--runtime=4" : "--runtime=1";
        JobPlan plan = TestJobs.Plan("--ioengine=cpuio", "--cpuload=50", $"--cpumode={mode}", "--cpuchunks=20000", "--time_based", runtime);

        (long ranBefore, long waitedBefore) = ThreadSchedNs();
        JobResult result = RunOnThisThread(plan);
        (long ranAfter, long waitedAfter) = ThreadSchedNs();

        double asked = (ranAfter - ranBefore + waitedAfter - waitedBefore) / (result.RuntimeMs * 1e6);
        double ran = (ranAfter - ranBefore) / (result.RuntimeMs * 1e6);
        Assert.Equal(0, result.Error);
        Assert.True(asked >= 0.25, $"ran or waited to run {asked:P0} of the time for cpuload=50 over {result.RuntimeMs} ms");
        Assert.True(ran <= 0.85, $"ran {ran:P0} of the time for cpuload=50: the job did not rest between its burns");
        Assert.Equal(0, result.Stats.Read.IoBytes);
        Assert.True(result.Stats.Read.TotalIos > 0, "fio counts each burn as an I/O");
    }

    [Fact]
    public void ALightCpuioJob_RestsMostOfTheTime()
    {
        JobPlan plan = TestJobs.Plan("--ioengine=cpuio", "--cpuload=10", "--cpuchunks=10000", "--time_based", "--runtime=1");

        (long ranBefore, _) = ThreadSchedNs();
        JobResult result = RunOnThisThread(plan);
        (long ranAfter, _) = ThreadSchedNs();

        double ran = (ranAfter - ranBefore) / (result.RuntimeMs * 1e6);
        Assert.True(ran <= 0.33, $"ran {ran:P0} of the time for cpuload=10 over {result.RuntimeMs} ms");
    }

    [Fact]
    public void ExitOnIoDone_EndsTheCpuioJob_WhenTheIoJobsHaveEnded_ThoughItIsTimeBased()
    {
        // Before: the cpuio job ran its whole 30 s runtime whatever the I/O job did (29.9 s by its own count).
        IReadOnlyList<JobPlan> plans = JobPlan.Resolve(CommandLineJobs.Parse(
            ["--name=io", "--filename=ram:1m", "--ioengine=psync", "--rw=write",
             "--name=burn", "--ioengine=cpuio", "--cpuload=10", "--cpuchunks=1000", "--time_based", "--runtime=30", "--exit_on_io_done=1"],
            new JobOptions()));

        IReadOnlyList<JobResult> results = JobGroup.Run(plans, CancellationToken.None);

        Assert.Equal(1L << 20, results[0].Stats.Write.IoBytes);
        Assert.Equal(0, results[1].Error);
        Assert.True(results[1].EndTimestamp >= results[0].EndTimestamp, "the cpuio job ends after the I/O job");
        Assert.True(results[1].RuntimeMs < 15_000, $"the cpuio job ran {results[1].RuntimeMs} ms: it waited for its runtime instead of the I/O job");
        Assert.True(results[1].Stats.Read.TotalIos > 0, "it burned until then");
    }

    [Fact]
    public void ExitOnIoDone_InARunWithoutIoJobs_RunsToTheRuntime()
    {
        // fio: "we only had cpuio threads to begin with" — nothing to wait for, so it never ends early.
        IReadOnlyList<JobPlan> plans = JobPlan.Resolve(CommandLineJobs.Parse(
            ["--name=burn", "--ioengine=cpuio", "--cpuload=10", "--cpuchunks=1000", "--runtime=1", "--time_based", "--exit_on_io_done=1"],
            new JobOptions()));

        JobResult result = Assert.Single(JobGroup.Run(plans, CancellationToken.None));

        Assert.Equal(0, result.Error);
        Assert.True(result.RuntimeMs >= 900, $"ran {result.RuntimeMs} ms of its 1 s runtime");
    }

    [Fact]
    public void ACpuioJobWithoutCpuload_IsRefusedByName()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--ioengine=cpuio", "--time_based", "--runtime=1"));
        Assert.Contains("ioengine=cpuio needs cpuload=", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The runner on the test's own thread, so that the thread's CPU time is the job's.</summary>
    internal static JobResult RunOnThisThread(JobPlan plan)
    {
        using IBlockDevice device = plan.Target.Open(0);
        return TestJobs.Run(plan, device);
    }

    /// <summary>Nanoseconds the calling thread has run on a CPU, and waited runnable for one (schedstat's first two fields).</summary>
    private static (long Ran, long Waited) ThreadSchedNs()
    {
        string[] fields = File.ReadAllText("/proc/thread-self/schedstat").Split(' ');
        return (long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
