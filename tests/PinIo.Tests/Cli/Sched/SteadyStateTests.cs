using System.Text.Json;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli.Sched;

public sealed class SteadyStateTests : PinBalancedTest
{
    [Fact]
    public void AJobEndsWhenItsWindowAttainsSteadyState()
    {
        // A limit of 1000% holds for any window: the job ends once the window is full, long before its runtime.
        IReadOnlyList<JobPlan> plans = SchedJobs.Resolve("""
            [ss]
            filename=ram:16m
            rw=randread
            ioengine=psync
            time_based
            runtime=60
            ss=iops:1000%
            ss_dur=1
            ss_interval=250ms
            """);

        JobResult result = JobGroup.Run(plans, CancellationToken.None)[0];

        Assert.Equal(0, result.Error);
        Assert.NotNull(result.SteadyState);
        Assert.True(result.SteadyState.Attained);
        Assert.Equal(4, result.SteadyState.Iops.Length);
        Assert.True(result.RuntimeMs < 60_000, $"the job ran its whole runtime ({result.RuntimeMs} ms)");
    }

    [Fact]
    public void AWindowThatNeverSettlesLetsTheJobRunItsTime()
    {
        var window = new SteadyStateWindow(new SteadyStateSpec(SteadyStateMetric.Bw, false, 10, true), 4, 4);

        bool attained = false;
        foreach (long bw in new long[] { 100, 300, 100, 300, 100, 300 })
        {
            attained |= window.Add(bw, 1);
        }

        Assert.False(attained);
        SteadyStateResult result = window.Result();
        Assert.Equal(100, result.MaxDeviation);
        Assert.Equal(50, result.Criterion, 6);
        Assert.Equal([100, 300, 100, 300], result.Bw);
    }

    [Fact]
    public void TheSlopeIsTheLeastSquaresLineOfTheWindowOldestFirst()
    {
        var window = new SteadyStateWindow(new SteadyStateSpec(SteadyStateMetric.Iops, true, 1, true), 4, 4);

        // 10, 20, 30, 40 after an older 999 drops out: slope 10 a sample, 10/25 = 40% of the mean.
        foreach (long iops in new long[] { 999, 10, 20, 30, 40 })
        {
            window.Add(0, iops);
        }

        SteadyStateResult result = window.Result();
        Assert.Equal(10, result.Slope, 9);
        Assert.Equal(40, result.Criterion, 9);
        Assert.False(result.Attained);
        Assert.Equal([10, 20, 30, 40], result.Iops);
    }

    [Fact]
    public void TheJsonHasFiosSteadystateObject()
    {
        var stdout = new StringWriter();

        int exit = PinIo.Cli.Program.Run(["--name=ss", "--filename=ram:16m", "--rw=randread", "--ioengine=psync", "--time_based", "--runtime=60",
            "--ss=bw_slope:1000%", "--ss_dur=1", "--ss_interval=500ms", "--output-format=json"], stdout, new StringWriter());

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout.ToString());
        JsonElement ss = json.RootElement.GetProperty("jobs")[0].GetProperty("steadystate");
        Assert.Equal("bw_slope:1000.000000%", ss.GetProperty("ss").GetString());
        Assert.Equal(1, ss.GetProperty("duration").GetInt32());
        Assert.Equal(1, ss.GetProperty("attained").GetInt32());
        Assert.EndsWith("%", ss.GetProperty("criterion").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Number, ss.GetProperty("max_deviation").ValueKind);
        Assert.Equal(JsonValueKind.Number, ss.GetProperty("slope").ValueKind);
        JsonElement data = ss.GetProperty("data");
        Assert.Equal(2, data.GetProperty("bw").GetArrayLength());
        Assert.Equal(2, data.GetProperty("iops").GetArrayLength());
        Assert.True(data.GetProperty("bw_mean").GetInt64() > 0);
        Assert.True(data.GetProperty("iops_mean").GetInt64() > 0);
    }

    [Theory]
    [InlineData("--ss_dur=1500ms", "whole seconds")]
    [InlineData("--ss=lat:5%", "not supported by pinio")]
    public void UnsupportedSteadystateSettingsAreRefused(string option, string message)
    {
        var stderr = new StringWriter();

        int exit = PinIo.Cli.Program.Run(["--name=ss", "--filename=ram:1m", option], new StringWriter(), stderr);

        Assert.NotEqual(0, exit);
        Assert.Contains(message, stderr.ToString(), StringComparison.Ordinal);
    }
}
