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
        Assert.Equal(expectedUs, job.RuntimeUs);
    }

    [Fact]
    public void UnsetOptionsHaveFiosDefaults()
    {
        var job = new JobOptions();
        Assert.Equal(RwMode.Read, job.Rw);
        Assert.Equal(4096, job.BlockSize);
        Assert.Equal(1, job.IoDepth);
        Assert.Equal(1, job.NumJobs);
        Assert.Equal(IoEngineKind.Psync, job.IoEngine);
        Assert.Equal(0x89UL, job.RandSeed);
        Assert.True(job.RandRepeat);
        Assert.False(job.NoRandomMap);
        Assert.Equal(VerifyKind.None, job.Verify);
        Assert.True(job.DoVerify);
        Assert.Equal(0, job.RuntimeUs);
        Assert.False(job.TimeBased);
        Assert.False(job.Direct);
        Assert.Equal(50, job.RwMixRead);
        Assert.Null(job.Size);
        Assert.Equal([1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99], job.PercentileList);
    }

    [Fact]
    public void FlagsTakeNoValueOrZeroOrOne()
    {
        JobSet set = CommandLineJobs.Parse(["--name=a", "--time_based", "--name=b", "--time_based=0", "--fixedbufs=1"], new JobOptions());
        Assert.True(set.Jobs[0].TimeBased);
        Assert.False(set.Jobs[1].TimeBased);
        Assert.True(set.Jobs[1].FixedBufs);
    }

    [Fact]
    public void OptionsBeforeTheFirstNameAreGlobalAndEachNameStartsAJob()
    {
        JobSet set = CommandLineJobs.Parse(["--bs=8k", "--name=a", "--rw=write", "--name=b", "--iodepth", "4", "--readwrite=randrw"], MainJob.Options());

        Assert.Equal(2, set.Jobs.Count);
        JobOptions a = set.Jobs[0];
        JobOptions b = set.Jobs[1];
        Assert.Equal(("a", RwMode.Write, 8192, 1), (a.Name, a.Rw, a.BlockSize, a.IoDepth));
        Assert.Equal(("b", RwMode.RandRw, 8192, 4), (b.Name, b.Rw, b.BlockSize, b.IoDepth));
        Assert.Null(a.Filename);
    }

    [Fact]
    public void WithoutANameTheOptionsChangeTheMainJob()
    {
        JobSet set = CommandLineJobs.Parse(["--rw=randwrite", "--bs=64k"], MainJob.Options());

        JobOptions main = Assert.Single(set.Jobs);
        Assert.Equal("main", main.Name);
        Assert.Equal("ram:1g", main.Filename);
        Assert.Equal(RwMode.RandWrite, main.Rw);
        Assert.Equal(65536, main.BlockSize);
        Assert.Equal(32, main.IoDepth);
        Assert.Equal(IoEngineKind.IoUring, main.IoEngine);
        Assert.True(main.TimeBased);
        Assert.Equal(5_000_000, main.RuntimeUs);
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
        Assert.Equal("pinio-0.1.0", stdout.ToString().Trim());
    }
}
