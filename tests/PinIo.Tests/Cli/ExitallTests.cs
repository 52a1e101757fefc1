using System.Diagnostics;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>fio's exitall: the first job of a group to end stops the others, which report what they did until then.</summary>
public sealed class ExitallTests : PinBalancedTest
{
    [Fact]
    public void ExitallStopsALongJobWhenAShortOneEnds()
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<JobResult> results = RunGroup(
            ["--filename=ram:16m", "--time_based", "--exitall", "--name=short", "--runtime=200ms", "--name=long", "--runtime=10s"]);
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the run took {clock.Elapsed}");
        Assert.All(results, r => Assert.True(r.Stats.TotalIos > 0));
        Assert.All(results, r => Assert.Equal(0, r.Error));
        Assert.InRange(results[1].RuntimeMs, 100, 1900);
    }

    [Fact]
    public void WithoutExitallEachJobRunsItsOwnRuntime()
    {
        IReadOnlyList<JobResult> results = RunGroup(
            ["--filename=ram:16m", "--time_based", "--name=short", "--runtime=100ms", "--name=long", "--runtime=600ms"]);

        Assert.InRange(results[1].RuntimeMs, 550, 5000);
    }

    [Fact]
    public void ExitallStopsOnlyTheGroupOfTheJobThatEnded()
    {
        IReadOnlyList<JobResult> results = RunGroup(
            ["--filename=ram:16m", "--time_based", "--exitall", "--name=short", "--runtime=100ms", "--name=other", "--new_group", "--runtime=600ms"]);

        Assert.InRange(results[1].RuntimeMs, 550, 5000);
    }

    private static IReadOnlyList<JobResult> RunGroup(string[] options) =>
        JobGroup.Run(JobPlan.Resolve(CommandLineJobs.Parse(options, MainJob.Options())), CancellationToken.None);
}
