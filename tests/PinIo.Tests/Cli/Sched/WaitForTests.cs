using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli.Sched;

public sealed class WaitForTests : PinBalancedTest
{
    [Fact]
    public void AJobThatWaitsForAnotherStartsWhenEveryCloneOfItHasEnded()
    {
        // Same stonewall segment (new_group only): without wait_for the reader would start with the writers.
        IReadOnlyList<JobPlan> plans = SchedJobs.Resolve("""
            [global]
            filename=ram:8m
            ioengine=psync
            [writers]
            rw=write
            bs=4k
            numjobs=2
            [reader]
            new_group
            wait_for=writers
            rw=read
            size=64k
            """);

        IReadOnlyList<JobResult> results = JobGroup.Run(plans, CancellationToken.None);

        Assert.All(results, r => Assert.Equal(0, r.Error));
        Assert.Equal(plans[0].RunOrder, plans[2].RunOrder);
        Assert.True(results[2].StartTimestamp >= Math.Max(results[0].EndTimestamp, results[1].EndTimestamp),
            "the reader started before the writers ended");
    }

    [Theory]
    [InlineData("[a]\nfilename=ram:1m\nwait_for=b\n[b]\nfilename=ram:1m\n", "no job of that name is defined before")]
    [InlineData("[a]\nfilename=ram:1m\nwait_for=a\n", "cannot wait for itself")]
    public void AWaiteeThatIsNotAnEarlierJobIsRefused(string text, string message)
    {
        var e = Assert.Throws<OptionException>(() => SchedJobs.Resolve(text));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThreadsIsAcceptedAndItsNoteSaysItIsIgnored()
    {
        JobPlan plan = TestJobs.Plan("--threads=1", "--filename=ram:1m");

        Assert.Contains(plan.Notes, n => n.StartsWith("threads:", StringComparison.Ordinal) && n.Contains("ignored", StringComparison.Ordinal));
    }
}

/// <summary>Job files for the scheduling tests.</summary>
internal static class SchedJobs
{
    public static IReadOnlyList<JobPlan> Resolve(string text) =>
        JobPlan.Resolve(new JobSet(new JobOptions(), JobFile.Parse(text, "sched.fio", new JobOptions(), stonewallFirstJob: false, _ => null, _ => throw new IOException("no includes here"))));
}
