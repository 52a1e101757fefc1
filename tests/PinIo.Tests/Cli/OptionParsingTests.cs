using System.Reflection;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

public sealed class OptionParsingTests : PinBalancedTest
{
    [Theory]
    [InlineData("512", 512L)]
    [InlineData("4k", 4096L)]
    [InlineData("4K", 4096L)]
    [InlineData("4kb", 4096L)]
    [InlineData("1m", 1048576L)]
    [InlineData("1MB", 1048576L)]
    [InlineData("2g", 2147483648L)]
    [InlineData("1t", 1099511627776L)]
    [InlineData("0x1000", 4096L)]
    // fio's kb_base=1024 compatibility mode: the IEC spellings are the decimal ones.
    [InlineData("1KiB", 1000L)]
    [InlineData("1mib", 1000000L)]
    [InlineData("1Mi", 1000000L)]
    public void SizesFollowFiosKbBase1024(string text, long expected)
    {
        Assert.Equal(expected, ValueParsers.ParseSize(text));
    }

    [Theory]
    [InlineData("5", 5_000_000L)]
    [InlineData("5s", 5_000_000L)]
    [InlineData("200ms", 200_000L)]
    [InlineData("1500us", 1500L)]
    [InlineData("2m", 120_000_000L)]
    [InlineData("1h", 3_600_000_000L)]
    public void RuntimeIsSecondsUnlessAUnitFollows(string text, long expectedUs)
    {
        var job = new JobOptions();
        job.Set("runtime", text);
        Assert.Equal(expectedUs, job.Get(Opt.Runtime));
    }

    [Fact]
    public void UnsetOptionsHaveFiosDefaults()
    {
        var job = new JobOptions();
        Assert.Equal(RwMode.Read, job.Rw);
        Assert.Equal(4096, job.BlockSize);
        Assert.Equal(1, job.Get(Opt.IoDepth));
        Assert.Equal(1, job.Get(Opt.NumJobs));
        Assert.Equal(IoEngineKind.Psync, job.Get(Opt.IoEngine));
        Assert.Equal(0x89UL, job.Get(Opt.RandSeed));
        Assert.True(job.Get(Opt.RandRepeat));
        Assert.False(job.Get(Opt.NoRandomMap));
        Assert.Equal(VerifyKind.None, job.Get(Opt.Verify));
        Assert.True(job.Get(Opt.DoVerify));
        Assert.Equal(0, job.Get(Opt.Runtime));
        Assert.False(job.Get(Opt.TimeBased));
        Assert.False(job.Get(Opt.Direct));
        Assert.Equal(50, job.RwMixRead);
        Assert.Null(job.Size);
        Assert.Equal([1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99], job.Get(Opt.PercentileList));
    }

    [Fact]
    public void FlagsTakeNoValueOrZeroOrOne()
    {
        JobSet set = CommandLineJobs.Parse(["--name=a", "--time_based", "--name=b", "--time_based=0", "--fixedbufs=1"], new JobOptions());
        Assert.True(set.Jobs[0].Get(Opt.TimeBased));
        Assert.False(set.Jobs[1].Get(Opt.TimeBased));
        Assert.True(set.Jobs[1].Get(Opt.FixedBufs));
    }

    [Fact]
    public void OptionsBeforeTheFirstNameAreGlobalAndEachNameStartsAJob()
    {
        JobSet set = CommandLineJobs.Parse(["--bs=8k", "--name=a", "--rw=write", "--name=b", "--iodepth", "4", "--readwrite=randrw"], MainJob.Options());

        Assert.Equal(2, set.Jobs.Count);
        JobOptions a = set.Jobs[0];
        JobOptions b = set.Jobs[1];
        Assert.Equal(("a", RwMode.Write, 8192, 1), (a.Get(Opt.Name), a.Rw, a.BlockSize, a.Get(Opt.IoDepth)));
        Assert.Equal(("b", RwMode.RandRw, 8192, 4), (b.Get(Opt.Name), b.Rw, b.BlockSize, b.Get(Opt.IoDepth)));
        Assert.Null(a.Get(Opt.Filename));
    }

    [Fact]
    public void WithoutANameTheOptionsChangeTheMainJob()
    {
        JobSet set = CommandLineJobs.Parse(["--rw=randwrite", "--bs=64k"], MainJob.Options());

        JobOptions main = Assert.Single(set.Jobs);
        Assert.Equal("main", main.Get(Opt.Name));
        Assert.Equal("ram:1g", main.Get(Opt.Filename));
        Assert.Equal(RwMode.RandWrite, main.Rw);
        Assert.Equal(65536, main.BlockSize);
        Assert.Equal(32, main.Get(Opt.IoDepth));
        Assert.Equal(IoEngineKind.IoUring, main.Get(Opt.IoEngine));
        Assert.True(main.Get(Opt.TimeBased));
        Assert.Equal(5_000_000, main.Get(Opt.Runtime));
    }

    [Fact]
    public void RwmixwriteSetsTheReadShare()
    {
        var job = new JobOptions();
        job.Set("rwmixwrite", "30");
        Assert.Equal(70, job.RwMixRead);
    }

    [Theory]
    [InlineData("--foo=1", "pinio: unrecognized option '--foo=1'")]
    [InlineData("--foo", "pinio: unrecognized option '--foo'")]
    [InlineData("-x", "pinio: unrecognized option '-x'")]
    public void AnUnknownOptionIsAnErrorNamingIt(string token, string message)
    {
        var e = Assert.Throws<OptionException>(() => CommandLineJobs.Parse([token], MainJob.Options()));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMistypedOptionGetsASuggestion()
    {
        var e = Assert.Throws<OptionException>(() => CommandLineJobs.Parse(["--iodepht=4"], MainJob.Options()));
        Assert.Contains("Did you mean iodepth?", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bs=4q", "failed parsing bs=4q")]
    [InlineData("--bs=0", "failed parsing bs=0")]
    [InlineData("--iodepth=abc", "failed parsing iodepth=abc")]
    [InlineData("--iodepth=0", "failed parsing iodepth=0")]
    [InlineData("--runtime=1x", "failed parsing runtime=1x")]
    [InlineData("--rwmixread=101", "failed parsing rwmixread=101")]
    [InlineData("--direct=maybe", "failed parsing direct=maybe")]
    [InlineData("--verify=md7", "failed parsing verify=md7")]
    [InlineData("--size=99999999999999999999", "failed parsing size=")]
    public void ABadValueIsAnErrorNamingTheOptionAndValue(string token, string message)
    {
        var e = Assert.Throws<OptionException>(() => CommandLineJobs.Parse([token], MainJob.Options()));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadChoiceListsTheValidValues()
    {
        var e = Assert.Throws<OptionException>(() => CommandLineJobs.Parse(["--rw=bogus"], MainJob.Options()));
        Assert.Contains("valid values: read", e.Message, StringComparison.Ordinal);
        Assert.Contains("randrw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AValueRequiredOptionWithoutValueIsAnError()
    {
        var e = Assert.Throws<OptionException>(() => CommandLineJobs.Parse(["--bs"], MainJob.Options()));
        Assert.Contains("option 'bs' requires a value", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--filename=/nonexistent/pinio.dat", "does not exist and no size= was given")]
    [InlineData("--filename=ram:1q", "failed parsing filename=ram:1q")]
    [InlineData("--filename=ram:1000", "multiple of 4 KiB")]
    [InlineData("--bs=1000", "not a multiple of the target's logical block size 512")]
    [InlineData("--size=2g", "runs past the end of ram:1g")]
    [InlineData("--ioengine=dotnet", "ioengine=dotnet runs .NET RandomAccess on a file")]
    public void ResolvingAJobChecksItAgainstItsTarget(string token, string message)
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan(token));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AJobWithoutAFilenameUsesFiosDefaultNameWhichNeedsASizeToBeCreated()
    {
        JobSet set = CommandLineJobs.Parse(["--name=x", "--directory=/nonexistent-pinio-dir"], MainJob.Options());
        var e = Assert.Throws<OptionException>(() => JobPlan.Resolve(set));
        Assert.Contains("job 'x': filename=/nonexistent-pinio-dir/x.0.0 does not exist and no size= was given", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRegionIsRoundedDownToWholeBlocksAndNumjobsClones()
    {
        var plans = JobPlan.Resolve(CommandLineJobs.Parse(["--name=t", "--filename=ram:1m", "--size=10000", "--bs=4k", "--numjobs=3"], new JobOptions()));

        Assert.Equal(3, plans.Count);
        Assert.All(plans, p => Assert.Equal(8192, p.Size));
        Assert.Equal([1, 2, 3], plans.Select(p => p.Number));
        Assert.Equal(3, plans.Select(p => p.Seed).Distinct().Count());
    }

    [Fact]
    public void SynchronousEnginesCompleteInlineAndAsynchronousOnesOnADeviceThread()
    {
        Assert.Equal(PinIo.Devices.RamDiskCompletion.Inline, ((RamTarget)TestJobs.Plan("--ioengine=psync").Target).Completion);
        Assert.Equal(PinIo.Devices.RamDiskCompletion.Worker, ((RamTarget)TestJobs.Plan("--ioengine=io_uring").Target).Completion);
    }

    [Theory]
    [InlineData("4k", 4096, 4096)]
    [InlineData("4k,64k", 4096, 65536)]
    [InlineData("8k,", 8192, 4096)]
    [InlineData(",8k", 4096, 8192)]
    [InlineData("8k,32k,", 8192, 32768)]
    public void BsTakesFiosPerDirectionList(string value, int read, int write)
    {
        var job = new JobOptions();
        job.Set("bs", value);
        Assert.Equal(new PerDir<int>(read, write), job.Bs);
    }

    [Fact]
    public void BssplitEntriesWithoutAPercentageShareWhatIsLeft()
    {
        PerDir<BsSplitEntry[]?> split = ValueParsers.ParseBsSplit("4k/40:8k:16k,1m");

        Assert.Equal([new(4096, 40), new(8192, 30), new(16384, 30)], split.Read!);
        Assert.Equal([new(1 << 20, 100)], split.Write!);
    }

    [Theory]
    [InlineData("--bssplit=4k/60:8k/60", "add up to 120, not 100")]
    [InlineData("--bssplit=4k/50:8k/40", "add up to 90, not 100")]
    [InlineData("--bsrange=4k", "is not a range")]
    [InlineData("--random_distribution=zoned:50/5", "add up to 50, not 100")]
    [InlineData("--random_distribution=zoned:50/60:50/60", "more than 100 percent")]
    [InlineData("--random_distribution=zoned:50/5:30/15:20/,50/10:50/90", "a list per direction")]
    [InlineData("--random_distribution=zoned:50/:50/5", "only the last zone's span may be empty")]
    [InlineData("--random_distribution=zoned_abs:50/1x:50/", "zoned_abs")]
    [InlineData("--random_distribution=zipf:1", "theta must be above 0 and not 1")]
    [InlineData("--random_distribution=pareto:1.5", "between 0 and 1")]
    [InlineData("--random_distribution=normal", "needs one parameter")]
    [InlineData("--rw=randread:x", "failed parsing rw=randread:x")]
    [InlineData("--verify_pattern=0x", "0x without hex digits")]
    [InlineData("--sync=maybe", "failed parsing sync=maybe")]
    [InlineData("--size=150%", "not a percentage")]
    public void NewOptionsRefuseBadValuesWithTheReason(string token, string message)
    {
        var e = Assert.Throws<OptionException>(() => CommandLineJobs.Parse([token], MainJob.Options()));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DirectAndBufferedAreOppositesAndTheLastOneWins()
    {
        var job = new JobOptions();
        Assert.False(job.Get(Opt.Direct));
        job.Set("buffered", "0");
        Assert.True(job.Get(Opt.Direct));
        job.Set("direct", "0");
        Assert.False(job.Get(Opt.Direct));
    }

    [Fact]
    public void TheOtherJobOptionsParseToFiosMeanings()
    {
        JobSet set = CommandLineJobs.Parse(["--name=j", "--filename=ram:4m", "--rw=write:8k", "--sync=dsync", "--fsync=4", "--startdelay=2", "--ramp_time=500ms",
            "--iodepth=8", "--iodepth_batch=4", "--iodepth_batch_complete=2", "--random_distribution=pareto:0.8:0.25", "--verify=md5", "--verify_backlog=32",
            "--io_limit=2m", "--filesize=8m", "--size=50%", "--offset=25%"], MainJob.Options());

        JobOptions job = Assert.Single(set.Jobs);
        Assert.Equal((RwMode.Write, 8192L), (job.Rw, job.RwModifier));
        Assert.Equal((SyncMode.Dsync, 4), (job.Get(Opt.Sync), job.Get(Opt.Fsync)));
        Assert.Equal((2_000_000L, 500_000L), (job.Get(Opt.StartDelay), job.Get(Opt.RampTime)));
        Assert.Equal((4, 2), (job.Get(Opt.IoDepthBatchSubmit), job.Get(Opt.IoDepthBatchCompleteMin)));
        Assert.Equal(new Distribution(DistributionKind.Pareto, 0.8, 0.25), job.Get(Opt.RandomDistribution));
        Assert.Equal((VerifyKind.Md5, 32), (job.Get(Opt.Verify), job.Get(Opt.VerifyBacklog)));
        Assert.Equal((2L << 20, 8L << 20), (job.Get(Opt.IoSize), job.Get(Opt.FileSize)?.Max));
        JobPlan plan = JobPlan.Resolve(set)[0];
        Assert.Equal((1L << 20, 2L << 20), (plan.Offset, plan.Size));
        Assert.Equal(2L << 20, plan.IoBudget);
    }

    [Fact]
    public void AVerifyPatternAloneMeansVerifyPattern()
    {
        JobPlan plan = TestJobs.Plan("--verify_pattern=\"abc\"");
        Assert.Equal(VerifyKind.Pattern, plan.Verify);
        Assert.Equal("abc"u8.ToArray(), plan.Get(Opt.VerifyPattern));
    }

    [Fact]
    public void BlockalignTurnsTheRandomMapOffAsFioDoes()
    {
        JobPlan plan = TestJobs.Plan("--filename=ram:1m", "--rw=randread", "--bs=8k", "--blockalign=4k");

        Assert.Equal(4096, plan.Grain);
        Assert.False(plan.RandomMap);
        Assert.Contains(plan.Notes, n => n.Contains("turns off randommap", StringComparison.Ordinal));
    }

    [Fact]
    public void NonUniformDistributionsRunWithoutTheRandomMap()
    {
        Assert.True(TestJobs.Plan("--rw=randread").RandomMap);
        Assert.False(TestJobs.Plan("--rw=randread", "--random_distribution=zipf:0.9").RandomMap);
    }

    [Fact]
    public void VerifyOnlyNeedsASizeBoundJobWithAChecksum()
    {
        var none = Assert.Throws<OptionException>(() => TestJobs.Plan("--verify_only"));
        var timed = Assert.Throws<OptionException>(() => TestJobs.Plan("--verify_only", "--verify=crc32c"));

        Assert.Contains("verify_only needs verify=", none.Message, StringComparison.Ordinal);
        Assert.Contains("make the job size-bound", timed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheProgramExitsWithOneAndNamesTheUnknownOption()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run(["--foo"], stdout, stderr);

        Assert.Equal(1, status);
        Assert.Contains("pinio: unrecognized option '--foo'", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheProgramRefusesAnUnknownOutputFormat()
    {
        var stderr = new StringWriter();
        Assert.Equal(1, PinIo.Cli.Program.Run(["--output-format=xml"], new StringWriter(), stderr));
        Assert.Contains("xml", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheProgramPrintsItsVersion()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, PinIo.Cli.Program.Run(["--version"], stdout, new StringWriter()));
        // The version Directory.Build.props declares, as the library's build carries it: one fact, one place.
        string declared = typeof(PinIo.Mm.PinStats).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        Assert.Matches(@"^\d+\.\d+\.\d+", declared);
        Assert.Equal($"pinio-{declared}", stdout.ToString().Trim());
    }
}
