using System.Text.Json;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// Issue 11's defects, found running fio's own examples/: job files and targets fio takes
/// that pinio refused or ran differently. Each test failed before its fix.
/// </summary>
public sealed class FioJobCompatibilityTests : PinBalancedTest
{
    [Fact]
    public void AJobFileLineEndsAtItsFirstSemicolonOrHash_AsFiosStripBlankEnd()
    {
        IReadOnlyList<JobOptions> jobs = JobFile.Parse(
            """
            [global] ; shared by every job
            numjobs=4 ; four jobs
            bs=8k# eight KiB
            [job] # the only job
            filename=ram:1m ; a RAM disk
            iodepth = 2 ;
            """,
            "comments.fio", new JobOptions(), stonewallFirstJob: false, _ => null, _ => throw new IOException("no includes here"));

        JobOptions job = Assert.Single(jobs);
        Assert.Equal(4, job.Get(Opt.NumJobs));
        Assert.Equal(8192, job.BlockSize);
        Assert.Equal("ram:1m", job.Get(Opt.Filename));
        Assert.Equal(2, job.Get(Opt.IoDepth));
    }

    [Fact]
    public void ACommandLineValueKeepsItsSemicolon_FioCutsOnlyJobFileLines()
    {
        JobOptions job = Assert.Single(CommandLineJobs.Parse(["--name=x", "--description=a;b#c"], new JobOptions()).Jobs);

        Assert.Equal("a;b#c", job.Get(Opt.Description));
    }

    [Fact]
    public void DevNullWithoutDirectIsWrittenAsFioWritesIt()
    {
        JobPlan plan = Plan("--name=null", "--filename=/dev/null", "--rw=write", "--size=1m", "--bs=64k");

        JobResult result = Assert.Single(JobGroup.Run([plan], CancellationToken.None));

        Assert.Equal(0, result.Error);
        Assert.Equal(1L << 20, result.Stats.Write.IoBytes);
        Assert.Equal(16, result.Stats.Write.TotalIos);
    }

    [Fact]
    public void DevNullWithDirectIsRefusedNamingDirect()
    {
        var e = Assert.Throws<OptionException>(() => Plan("--name=null", "--filename=/dev/null", "--rw=write", "--size=1m", "--direct=1"));

        Assert.Contains("direct=1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OffsetZeroPercentIsTheTargetsStart()
    {
        JobPlan plan = Plan("--name=x", "--filename=ram:1m", "--offset=0%", "--size=64k");

        Assert.Equal(0, plan.Offset);
        Assert.Equal(64 << 10, plan.Size);
    }

    [Fact]
    public void TheJsonReportHasTheGlobalSectionsOptionsAsFioWritesThem()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("global.fio"), "[global]\nbs=8k\nsize=64k\n\n[job]\nfilename=ram:1m\nrw=read\n");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        Assert.True(PinIo.Cli.Program.Run([dir.File("global.fio"), "--output-format=json"], stdout, stderr) == 0, stderr.ToString());

        using var json = JsonDocument.Parse(stdout.ToString());
        JsonElement global = json.RootElement.GetProperty("global options");
        Assert.Equal("8k", global.GetProperty("bs").GetString());
        Assert.Equal("64k", global.GetProperty("size").GetString());
        JsonElement job = json.RootElement.GetProperty("jobs")[0].GetProperty("job options");
        Assert.Equal("read", job.GetProperty("rw").GetString());
        Assert.False(job.TryGetProperty("bs", out _), "fio lists a [global] option under global options only");
    }

    [Fact]
    public void BssplitWithTheRandomMapCutsEachIoToTheFreeBlocks_SoTheBytesAreTheSizeExactly()
    {
        // fio's examples/iometer-file-access-server.fio: bssplit with the random map on.
        JobResult result = TestJobs.Run(Plan("--name=iometer", "--filename=ram:1m", "--rw=randwrite", "--size=1m", "--bssplit=512/10:4k/60:16k/10:64k/20"));

        Assert.Equal(0, result.Error);
        Assert.Equal(1L << 20, result.Stats.Write.IoBytes);
    }

    [Fact]
    public void BssplitWithTheRandomMapVisitsEveryBlockOnce()
    {
        var (result, bios) = TestJobs.RunRecording("--name=iometer", "--filename=ram:1m", "--rw=randwrite", "--size=1m", "--bssplit=4k/50:64k/50");

        var written = new bool[(1 << 20) / 4096];
        foreach (var (_, position, size) in bios)
        {
            for (long block = position / 4096; block < (position + size) / 4096; block++)
            {
                Assert.False(written[block], $"block {block} written twice in one pass");
                written[block] = true;
            }
        }
        Assert.All(written, Assert.True);
        Assert.Equal(1L << 20, result.Stats.Write.IoBytes);
    }

    [SkippableFact]
    public void ASizeLargerThanTheBlockDeviceIsClampedToItForWritesAsForReads()
    {
        using FileLoopDevice loop = FileLoopDevice.Create(2 << 20, backingDirectory: "/dev/shm");

        foreach (string rw in new[] { "write", "read", "randwrite" })
        {
            JobPlan plan = Plan("--name=big", $"--filename={loop.Path}", $"--rw={rw}", "--size=4m", "--bs=64k", "--direct=1");
            JobResult result = Assert.Single(JobGroup.Run([plan], CancellationToken.None));

            Assert.Equal(2L << 20, plan.Size);
            Assert.True(result.Error == 0, $"{rw}: {result.ErrorText}");
            Assert.Equal(2L << 20, rw == "read" ? result.Stats.Read.IoBytes : result.Stats.Write.IoBytes);
        }
    }

    private static JobPlan Plan(params string[] options) =>
        Assert.Single(JobPlan.Resolve(CommandLineJobs.Parse(options, MainJob.Options())));
}
