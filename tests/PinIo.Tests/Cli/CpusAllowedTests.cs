using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>fio's cpus_allowed, cpumask and cpus_allowed_policy: the CPUs each job's thread is bound to, read back with sched_getaffinity.</summary>
public sealed class CpusAllowedTests : PinBalancedTest
{
    private static readonly string[] s_short = ["--filename=ram:16m", "--runtime=50ms", "--time_based", "--ioengine=io_uring", "--iodepth=4"];

    [Fact]
    public void CpusAllowedZeroBindsTheJobThreadToCpuZero()
    {
        JobResult result = Assert.Single(RunGroup([.. s_short, "--cpus_allowed=0", "--name=main"]));

        Assert.Equal([0], result.Cpus);
        Assert.True(result.Stats.TotalIos > 0);
    }

    [Fact]
    public void WithoutCpusAllowedTheJobThreadKeepsEveryCpuOfTheProcess()
    {
        JobResult result = Assert.Single(RunGroup([.. s_short, "--name=main"]));

        Assert.Equal(CpuAffinity.GetForCurrentThread(), result.Cpus);
    }

    [Fact]
    public void SplitGivesEachCloneItsOwnCpuOfTheList()
    {
        IReadOnlyList<JobResult> results = RunGroup([.. s_short, "--cpus_allowed=0-1", "--cpus_allowed_policy=split", "--numjobs=2", "--name=main"]);

        Assert.Equal([0], results[0].Cpus);
        Assert.Equal([1], results[1].Cpus);
    }

    [Fact]
    public void SharedGivesEveryCloneTheWholeList()
    {
        IReadOnlyList<JobResult> results = RunGroup([.. s_short, "--cpus_allowed=0-1", "--numjobs=2", "--name=main"]);

        Assert.All(results, r => Assert.Equal([0, 1], r.Cpus));
    }

    [Fact]
    public void SplitWrapsAroundWhenThereAreMoreJobsThanCpus()
    {
        IReadOnlyList<JobResult> results = RunGroup([.. s_short, "--cpus_allowed=1", "--cpus_allowed_policy=split", "--numjobs=2", "--name=main"]);

        Assert.All(results, r => Assert.Equal([1], r.Cpus));
    }

    [Fact]
    public void CpumaskIsABitMaskOfCpus()
    {
        JobResult result = Assert.Single(RunGroup([.. s_short, "--cpumask=0x2", "--name=main"]));

        Assert.Equal([1], result.Cpus);
    }

    [Fact]
    public void ACpuListTakesRangesAndSingleCpus()
    {
        Assert.Equal([0, 1, 2, 3, 6], ValueParsers.ParseCpuList("0-3,6", configured: 8).Cpus);
        Assert.Equal([2, 5], ValueParsers.ParseCpuList(" 5, 2 ,2", configured: 8).Cpus);
        Assert.Equal([0, 2], ValueParsers.ParseCpuMask("0x5", configured: 8).Cpus);
    }

    [Fact]
    public void ACpuPastTheSystemsIsRefusedNamingTheOptionAndTheValue()
    {
        int configured = CpuAffinity.ConfiguredCpus;
        var options = new JobOptions();
        options.Set("cpus_allowed", $"0-{configured}"); // parsing asks the system nothing; planning checks

        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--filename=ram:1m", $"--cpus_allowed=0-{configured}"));

        Assert.Contains($"cpus_allowed=0-{configured}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"CPU {configured} too large (max={configured - 1})", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cpus_allowed", "")]
    [InlineData("cpus_allowed", "a-b")]
    [InlineData("cpus_allowed", "3-1")]
    [InlineData("cpumask", "0")]
    public void AnEmptyOrMalformedCpuSetIsRefused(string option, string value)
    {
        var e = Assert.Throws<OptionException>(() => new JobOptions().Set(option, value));

        Assert.Contains($"{option}={value}", e.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<JobResult> RunGroup(string[] options) =>
        JobGroup.Run(JobPlan.Resolve(CommandLineJobs.Parse(options, MainJob.Options())), CancellationToken.None);
}
