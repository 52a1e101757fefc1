using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>Every job file in examples/ parses and runs on the RAM disk (or a Volume on one), each time-based job for one second instead of its own runtime.</summary>
public sealed class ExampleJobTests : PinBalancedTest
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(ExamplesDirectory(), "*.fio").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    [Fact]
    public void ThereAreExamples()
    {
        Assert.True(Examples().Count >= 7);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void TheExampleRunsForASecondOnTheRamDisk(string name)
    {
        JobSet set = CommandLineJobs.Parse([Path.Combine(ExamplesDirectory(), name)], MainJob.Options());
        foreach (JobOptions job in set.Jobs)
        {
            if (job.Get(Opt.TimeBased))
            {
                job.Set("runtime", "1s");
            }
        }
        IReadOnlyList<JobPlan> plans = JobPlan.Resolve(set);
        Assert.All(plans, p => Assert.True(p.Target is RamTarget or VolumeTarget { Device: RamTarget } or DisklessTarget, $"{p.Name}: {p.Target.Filename} is not a RAM disk"));

        // Hundreds of thousands of pins a second: the balance is checked, the owner stacks are not kept.
        IReadOnlyList<JobResult> results = TestJobs.WithoutPinOwnerStacks(() => JobGroup.Run(plans, CancellationToken.None));

        Assert.All(results, r =>
        {
            Assert.True(r.Error == 0, $"{r.Plan.Name}: {r.ErrorText}");
            Assert.True(r.Stats.TotalIos > 0, $"{r.Plan.Name} did no I/O");
        });
    }

    private static string ExamplesDirectory()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "examples");
            if (Directory.Exists(candidate) && Directory.Exists(Path.Combine(dir.FullName, "src")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"no examples/ directory above {AppContext.BaseDirectory}");
    }
}
