using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>ioengine=null (fio's null engine): the job's I/O count as fio's, and no file made or touched.</summary>
public sealed class NullEngineTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void ANullJob_IssuesSizeOverBsIos_AndCreatesNoFile()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run(["--name=n", $"--directory={_dir.Path}", "--ioengine=null", "--rw=randread", "--size=8m", "--bs=4k", "--norandommap"], stdout, stderr);

        Assert.True(status == 0, stderr.ToString());
        Assert.Contains("issued rwts: total=2048,0,0,0", stdout.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Path));
    }

    [Fact]
    public void ANullJobsTarget_IsNoFile_ItsCapacityTheSize()
    {
        JobPlan plan = TestJobs.Plan("--filename=/nonexistent/dir/f", "--ioengine=null", "--size=4m", "--rw=write");

        var target = Assert.IsType<NullTarget>(plan.Target);
        Assert.Equal(4L << 20, target.Capacity);
    }

    [Theory]
    [InlineData("--size=0", "give size=")]
    [InlineData("--verify=crc32c", "nothing to verify")]
    public void ANullJob_RefusesWhatItCannotDo_ByName(string option, string message)
    {
        string[] job = option == "--size=0" ? ["--ioengine=null", "--rw=read"] : ["--ioengine=null", "--rw=write", "--size=1m", option];

        var e = Assert.Throws<OptionException>(() => TestJobs.Plan(job));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
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
