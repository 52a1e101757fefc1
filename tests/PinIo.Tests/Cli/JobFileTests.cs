using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

public sealed class JobFileTests : PinBalancedTest
{
    private static readonly Dictionary<string, string> s_environment = new(StringComparer.Ordinal)
    {
        ["JOB_BS"] = "16k",
        ["JOB_DEPTH"] = "8",
    };

    [Fact]
    public void AJobInheritsTheGlobalSectionAsItStandsWhenTheJobStarts()
    {
        IReadOnlyList<JobOptions> jobs = Parse("""
            [global]
            bs=8k
            iodepth=4

            [first]
            rw=write

            [global]
            iodepth=16

            [second]
            bs=64k
            """);

        Assert.Equal(2, jobs.Count);
        Assert.Equal(("first", RwMode.Write, 8192, 4), (jobs[0].Get(Opt.Name), jobs[0].Rw, jobs[0].BlockSize, jobs[0].Get(Opt.IoDepth)));
        Assert.Equal(("second", RwMode.Read, 65536, 16), (jobs[1].Get(Opt.Name), jobs[1].Rw, jobs[1].BlockSize, jobs[1].Get(Opt.IoDepth)));
    }

    [Fact]
    public void ValuesTakeFiosSuffixesFlagsAndBlanksAroundTheEqualsSign()
    {
        JobOptions job = Assert.Single(Parse("""
            [job]
              size = 1g
            bs=4KiB,64k
            runtime=1500ms
            time_based
            offset=0x1000
            rw=randread:8
            """));

        Assert.Equal(1L << 30, job.Size);
        Assert.Equal(new PerDir<int>(4000, 65536), job.Bs);
        Assert.Equal(1_500_000, job.Get(Opt.Runtime));
        Assert.True(job.Get(Opt.TimeBased));
        Assert.Equal(4096, job.Get(Opt.Offset).Bytes);
        Assert.Equal((RwMode.RandRead, 8L), (job.Rw, job.RwModifier));
    }

    [Fact]
    public void SemicolonAndHashLinesAreComments()
    {
        JobOptions job = Assert.Single(Parse("""
            ; a comment
            # another
            [job]
               ; indented comment
            # bs=64k
            bs=8k
            """));

        Assert.Equal(8192, job.BlockSize);
    }

    [Fact]
    public void AnUnknownOptionNamesTheOptionTheFileAndTheLine()
    {
        var e = Assert.Throws<OptionException>(() => Parse("""
            [global]
            bs=4k

            [job]
            rw=read
            ; comment
            xyzzy=1
            """, path: "job.fio"));

        Assert.Equal("pinio: unrecognized option 'xyzzy' in job.fio line 7", e.Message);
    }

    [Fact]
    public void AMistypedOptionInAFileGetsASuggestion()
    {
        var e = Assert.Throws<OptionException>(() => Parse("[job]\niodepht=4\n", path: "x.fio"));

        Assert.StartsWith("pinio: unrecognized option 'iodepht' in x.fio line 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean iodepth?", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABadValueNamesTheFileAndTheLine()
    {
        var e = Assert.Throws<OptionException>(() => Parse("[job]\nrw=read\nbs=4q\n", path: "bad.fio"));

        Assert.StartsWith("pinio: bad.fio line 3: failed parsing bs=4q", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnOptionBeforeAnySectionIsAnError()
    {
        var e = Assert.Throws<OptionException>(() => Parse("bs=4k\n[job]\n", path: "j.fio"));

        Assert.Equal("pinio: option <bs=4k> outside of [] job section in j.fio line 1", e.Message);
    }

    [Fact]
    public void EnvironmentVariablesAreSubstitutedInValuesAndUnsetOnesAreEmpty()
    {
        IReadOnlyList<JobOptions> jobs = Parse("""
            [a]
            bs=${JOB_BS}
            iodepth=$JOB_DEPTH
            description=depth $JOB_DEPTH and ${JOB_UNSET}end
            [b]
            numjobs=$ncpus
            """);

        Assert.Equal(16384, jobs[0].BlockSize);
        Assert.Equal(8, jobs[0].Get(Opt.IoDepth));
        Assert.Equal("depth 8 and end", jobs[0].Get(Opt.Description));
        Assert.Equal(Math.Min(Environment.ProcessorCount, 4096), jobs[1].Get(Opt.NumJobs));
    }

    [Fact]
    public void IncludeReadsOptionsFromAFileBesideTheJobFile()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("common.fio"), "; shared options\nbs=32k\niodepth=2\n");
        File.WriteAllText(dir.File("main.fio"), "[job]\ninclude common.fio\nrw=randwrite\n");

        JobOptions job = Assert.Single(JobFile.Read(dir.File("main.fio"), new JobOptions()));

        Assert.Equal((32768, 2, RwMode.RandWrite), (job.BlockSize, job.Get(Opt.IoDepth), job.Rw));
    }

    [Fact]
    public void AnIncludedFileMayNotOpenASection()
    {
        var e = Assert.Throws<OptionException>(() => JobFile.Parse("[job]\ninclude inc.fio\n", "main.fio", new JobOptions(), false,
            _ => null, _ => "bs=4k\n[other]\n"));

        Assert.Contains("no new sections in included files", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StonewallAndNewGroupSetTheGroupAndTheRunOrder()
    {
        IReadOnlyList<JobPlan> plans = Resolve("""
            [global]
            filename=ram:1m
            [a]
            numjobs=2
            [b]
            [c]
            new_group
            [d]
            stonewall
            [e]
            wait_for_previous
            """);

        Assert.Equal(["a", "a", "b", "c", "d", "e"], plans.Select(p => p.Name));
        Assert.Equal([0, 0, 0, 1, 2, 3], plans.Select(p => p.GroupId));
        Assert.Equal([0, 0, 0, 0, 1, 2], plans.Select(p => p.RunOrder));
    }

    [Fact]
    public void CommandLineGlobalsAreDefaultsThatTheJobFileOverrides()
    {
        using var dir = new TempDirectory();
        string file = dir.File("jobs.fio");
        File.WriteAllText(file, "[global]\niodepth=4\n[fromfile]\nfilename=ram:1m\n");

        JobSet set = CommandLineJobs.Parse(["--bs=8k", "--iodepth=2", file], MainJob.Options());

        JobOptions job = Assert.Single(set.Jobs);
        Assert.Equal(("fromfile", 8192, 4), (job.Get(Opt.Name), job.BlockSize, job.Get(Opt.IoDepth)));
    }

    [Fact]
    public void CommandLineJobsComeFirstAndEachFileAfterTheFirstIsStonewalled()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("one.fio"), "[x]\nfilename=ram:1m\n[y]\nfilename=ram:1m\n");
        File.WriteAllText(dir.File("two.fio"), "[z]\nfilename=ram:1m\n");

        IReadOnlyList<JobPlan> plans = JobPlan.Resolve(CommandLineJobs.Parse(
            [dir.File("one.fio"), "--name=cli", "--filename=ram:1m", dir.File("two.fio")], MainJob.Options()));

        Assert.Equal(["cli", "x", "y", "z"], plans.Select(p => p.Name));
        Assert.Equal([0, 0, 0, 1], plans.Select(p => p.RunOrder));
    }

    [Fact]
    public void AFileWithoutJobsIsAnError()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("empty.fio"), "[global]\nbs=4k\n");

        var e = Assert.Throws<OptionException>(() => CommandLineJobs.Parse([dir.File("empty.fio")], MainJob.Options()));

        Assert.Contains("no job defined in", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingJobFileIsAnErrorNamingIt()
    {
        var e = Assert.Throws<OptionException>(() => CommandLineJobs.Parse(["/nonexistent/pinio.fio"], MainJob.Options()));

        Assert.Contains("unable to open '/nonexistent/pinio.fio' job file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStonewalledJobStartsWhenTheJobsBeforeItHaveEnded()
    {
        IReadOnlyList<JobPlan> plans = Resolve("""
            [global]
            filename=ram:1m
            ioengine=psync
            [writer]
            rw=write
            numjobs=2
            [reader]
            stonewall
            rw=read
            """);

        IReadOnlyList<JobResult> results = JobGroup.Run(plans, CancellationToken.None);

        Assert.All(results, r => Assert.Equal(0, r.Error));
        Assert.True(results[2].StartTimestamp >= Math.Max(results[0].EndTimestamp, results[1].EndTimestamp));
    }

    [Fact]
    public void TheProgramRunsAJobFileAndNamesTheLineOfABadOne()
    {
        using var dir = new TempDirectory();
        string good = dir.File("good.fio");
        string bad = dir.File("bad.fio");
        File.WriteAllText(good, "[small]\nfilename=ram:1m\nrw=write\nioengine=psync\n");
        File.WriteAllText(bad, "[small]\nfilename=ram:1m\nnot_an_option=3\n");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int ok = PinIo.Cli.Program.Run([good, "--output-format=json"], stdout, new StringWriter());
        int failed = PinIo.Cli.Program.Run([bad], new StringWriter(), stderr);

        Assert.Equal(0, ok);
        Assert.Contains("\"jobname\" : \"small\"", stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, failed);
        Assert.Contains($"pinio: unrecognized option 'not_an_option' in {bad} line 3", stderr.ToString(), StringComparison.Ordinal);
    }

    private static IReadOnlyList<JobOptions> Parse(string text, string path = "test.fio") =>
        JobFile.Parse(text, path, new JobOptions(), stonewallFirstJob: false, name => s_environment.GetValueOrDefault(name), _ => throw new IOException("no includes here"));

    private static IReadOnlyList<JobPlan> Resolve(string text) =>
        JobPlan.Resolve(new JobSet(new JobOptions(), Parse(text)));
}
