using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// ioengine=cpuio (fio's cpu engine): no I/O, the job's thread busy cpuload percent of the
/// time. Busy is measured from the kernel's own account of the thread
/// (/proc/thread-self/schedstat): the time it ran plus the time it waited runnable for a CPU,
/// over the job's time — what the thread asked of the CPUs, which a loaded machine (two CPUs
/// shared by a dozen runnable threads) does not shrink, where its CPU time alone
/// (/proc/thread-self/stat) is cut by whatever else runs. A loose band: at least half of
/// cpuload, short of a whole CPU at cpuload=50, and little at cpuload=10 — semantics, not speed.
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

        long before = ThreadBusyNs();
        JobResult result = RunOnThisThread(plan);
        long busyNs = ThreadBusyNs() - before;

        double share = busyNs / (result.RuntimeMs * 1e6);
        Assert.Equal(0, result.Error);
        Assert.True(share >= 0.25, $"busy {share:P0} of the time for cpuload=50 over {result.RuntimeMs} ms");
        Assert.True(share <= 0.85, $"busy {share:P0} of the time for cpuload=50: the job did not rest between its burns");
        Assert.Equal(0, result.Stats.Read.IoBytes);
        Assert.True(result.Stats.Read.TotalIos > 0, "fio counts each burn as an I/O");
    }

    [Fact]
    public void ALightCpuioJob_RestsMostOfTheTime()
    {
        JobPlan plan = TestJobs.Plan("--ioengine=cpuio", "--cpuload=10", "--cpuchunks=10000", "--time_based", "--runtime=1");

        long before = ThreadBusyNs();
        JobResult result = RunOnThisThread(plan);
        long busyNs = ThreadBusyNs() - before;

        double share = busyNs / (result.RuntimeMs * 1e6);
        Assert.True(share <= 0.33, $"busy {share:P0} of the time for cpuload=10 over {result.RuntimeMs} ms");
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

    /// <summary>Nanoseconds the calling thread has run on a CPU plus waited runnable for one (schedstat's first two fields).</summary>
    private static long ThreadBusyNs()
    {
        string[] fields = File.ReadAllText("/proc/thread-self/schedstat").Split(' ');
        return long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
