using PinIo.Cli.Options;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>ioengine=ftruncate (fio's ftruncate engine): each write sets the file's size to its offset.</summary>
public sealed class FtruncateEngineTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void ASequentialFtruncateJob_LeavesTheFileAtItsLastWritesOffset()
    {
        string file = _dir.File("t");
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run(["--name=t", $"--filename={file}", "--ioengine=ftruncate", "--rw=write", "--bs=4k", "--size=1m"], stdout, stderr);

        Assert.True(status == 0, stderr.ToString());
        Assert.Contains("issued rwts: total=0,256,0,0", stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal((1 << 20) - 4096, new FileInfo(file).Length);
    }

    [Theory]
    [InlineData("--rw=read", "nothing to read")]
    [InlineData("--filename=ram:1m", "truncates a regular file")]
    public void AnFtruncateJob_RefusesWhatItCannotDo_ByName(string option, string message)
    {
        string[] job = option.StartsWith("--filename", StringComparison.Ordinal)
            ? ["--ioengine=ftruncate", "--rw=write", option]
            : ["--ioengine=ftruncate", $"--filename={_dir.File("r")}", "--size=1m", option];

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
