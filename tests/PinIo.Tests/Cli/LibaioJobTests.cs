using PinIo.Cli.Jobs;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Cli;

/// <summary>
/// ioengine=libaio runs on PinIo's Linux native AIO engine (io_submit/io_getevents), no longer
/// on io_uring with a note: the device a job opens is a libaio one, and its I/O checks out.
/// </summary>
public sealed class LibaioJobTests(ITestOutputHelper output) : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Libaio_OnAFile_OpensTheLibaioEngine_WithoutANote()
    {
        JobPlan plan = TestJobs.Plan($"--filename={_dir.File("aio.dat")}", "--size=1m", "--ioengine=libaio", "--direct=1", "--iodepth=8");

        using var device = (FileDevice)plan.Target.Open(0);

        Assert.IsType<LibaioEngine>(device.EngineCore);
        Assert.DoesNotContain(plan.Notes, n => n.StartsWith("ioengine=libaio", StringComparison.Ordinal));
    }

    [Fact]
    public void Libaio_WritesAndVerifiesARandomMix_AtDepth16()
    {
        string[] job = [$"--filename={_dir.File("aiov.dat")}", "--size=4m", "--ioengine=libaio", "--direct=1", "--iodepth=16",
            "--rw=randwrite", "--bs=4k", "--verify=crc32c", "--do_verify=1"];
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run(job, stdout, stderr);

        output.WriteLine(stdout.ToString());
        output.WriteLine(stderr.ToString());
        Assert.Equal(0, status);
        Assert.Contains("err= 0", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("  read: IOPS=", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Libaio_OnARamTarget_KeepsANote()
    {
        JobPlan plan = TestJobs.Plan("--filename=ram:1m", "--ioengine=libaio");

        Assert.Contains(plan.Notes, n => n.StartsWith("ioengine=libaio: a ram: target", StringComparison.Ordinal));
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
