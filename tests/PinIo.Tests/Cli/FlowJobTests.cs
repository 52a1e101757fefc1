using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>flow=, flow_id= and exit_what= between the jobs of one run.</summary>
public sealed class FlowJobTests : PinBalancedTest
{
    [Fact]
    public void Flow_KeepsTwoJobsIoCountsInTheRatioOfTheirWeights()
    {
        // fio's examples/flow.fio in small: a writer of weight 1 beside a reader of weight 3.
        IReadOnlyList<JobResult> results = RunGroup(
            ["--filename=ram:32m", "--fixedbufs", "--bs=4k", "--time_based", "--runtime=1s", "--norandommap",
             "--flow_sleep=100", "--name=writer", "--rw=write", "--flow=1", "--name=reader", "--rw=randread", "--flow=3"]);

        double ratio = (double)results[1].Stats.TotalIos / results[0].Stats.TotalIos;
        Assert.InRange(ratio, 2.7, 3.3);
    }

    [Fact]
    public void Flow_WithDifferentFlowIds_DoesNotTieTheJobs()
    {
        IReadOnlyList<JobResult> results = RunGroup(
            ["--filename=ram:32m", "--fixedbufs", "--bs=4k", "--time_based", "--runtime=500ms",
             "--name=a", "--rw=read", "--flow=1", "--flow_id=1", "--name=b", "--rw=read", "--flow=3", "--flow_id=2"]);

        double ratio = (double)results[1].Stats.TotalIos / results[0].Stats.TotalIos;
        Assert.True(ratio < 2, $"jobs of two flows ran in a ratio of {ratio:F2}");
    }

    [Fact]
    public void ExitWhatStonewall_StopsEveryRunningJob_ThenTheNextSegmentRuns()
    {
        IReadOnlyList<JobResult> results = RunGroup(
            ["--filename=ram:16m", "--fixedbufs", "--time_based",
             "--name=short", "--runtime=100ms", "--exitall", "--exit_what=stonewall",
             "--name=other", "--new_group", "--runtime=20s",
             "--name=next", "--stonewall", "--runtime=100ms"]);

        Assert.InRange(results[1].RuntimeMs, 50, 10_000);
        Assert.True(results[2].Stats.TotalIos > 0, "the next segment did not run");
    }

    [Fact]
    public void ExitWhatAll_StopsEveryJobOfTheRun()
    {
        IReadOnlyList<JobResult> results = RunGroup(
            ["--filename=ram:16m", "--fixedbufs", "--time_based",
             "--name=short", "--runtime=100ms", "--exitall", "--exit_what=all",
             "--name=other", "--new_group", "--runtime=20s",
             "--name=runsnever", "--stonewall", "--runtime=20s"]);

        Assert.InRange(results[1].RuntimeMs, 50, 10_000);
        Assert.Equal(0, results[2].Stats.TotalIos);
    }

    [Fact]
    public void ExitWhatGroup_LeavesOtherGroupsRunning()
    {
        IReadOnlyList<JobResult> results = RunGroup(
            ["--filename=ram:16m", "--fixedbufs", "--time_based",
             "--name=short", "--runtime=100ms", "--exitall", "--exit_what=group",
             "--name=other", "--new_group", "--runtime=600ms"]);

        Assert.True(results[1].RuntimeMs >= 550, $"the other group's job ran {results[1].RuntimeMs} ms of its 600");
    }

    private static IReadOnlyList<JobResult> RunGroup(string[] options) =>
        JobGroup.Run(JobPlan.Resolve(CommandLineJobs.Parse(options, MainJob.Options())), CancellationToken.None);
}
