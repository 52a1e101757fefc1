using System.Text.Json;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// A job of a later stonewall segment whose file an earlier segment's job creates (fio's
/// examples/surface-scan.fio): it is planned as sized when its segment starts, and its target
/// is opened then, when the file exists.
/// </summary>
public sealed class SegmentTargetTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void ALaterSegment_ReadsTheFileAnEarlierSegmentCreates_WithoutSize()
    {
        string job = _dir.File("scan.fio");
        File.WriteAllText(job, $"""
            [global]
            bs=64k
            direct=1
            ioengine=psync
            verify=meta
            verify_interval=512
            filename={_dir.File("datafile.tmp")}

            [write-phase]
            rw=write
            size=1m
            do_verify=0

            [verify-phase]
            stonewall
            rw=read
            do_verify=1
            """);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run([job, "--output-format=json"], stdout, stderr);

        Assert.True(status == 0, stderr.ToString());
        JsonElement[] jobs = [.. JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("jobs").EnumerateArray()];
        Assert.Equal(1L << 20, jobs[0].GetProperty("write").GetProperty("io_bytes").GetInt64());
        Assert.Equal(1L << 20, jobs[1].GetProperty("read").GetProperty("io_bytes").GetInt64());
        Assert.Equal(0, jobs[1].GetProperty("error").GetInt32());
    }

    [Fact]
    public void Planning_MarksTheLaterJob_SizedWhenItsSegmentStarts_AndCreatesNothing()
    {
        string file = _dir.File("made-later");
        JobSet set = CommandLineJobs.Parse(
            ["--name=w", $"--filename={file}", "--rw=write", "--size=256k", "--name=r", "--stonewall", $"--filename={file}", "--rw=read"],
            MainJob.Options());

        IReadOnlyList<JobPlan> plans = JobPlan.Resolve(set);

        Assert.False(plans[0].SizedAtSegmentStart);
        Assert.True(plans[1].SizedAtSegmentStart);
        Assert.False(File.Exists(file), "planning creates no file");
    }

    [Fact]
    public void AMissingFileThatNoEarlierSegmentWrites_IsStillRefused()
    {
        string file = _dir.File("never-made");
        JobSet set = CommandLineJobs.Parse(
            ["--name=r1", $"--filename={file}", "--rw=read", "--name=r2", "--stonewall", $"--filename={file}", "--rw=read"],
            MainJob.Options());

        var e = Assert.Throws<OptionException>(() => JobPlan.Resolve(set));

        Assert.Contains("does not exist and no size= was given", e.Message, StringComparison.Ordinal);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
