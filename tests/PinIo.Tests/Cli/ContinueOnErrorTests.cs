using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// continue_on_error, ignore_error and fill_device: a write job on a faulty: device that fails
/// one write in eleven (dm-flakey: up 10 bios, down 1, error_writes) stops at the first error
/// by default, and with continue_on_error=write issues all of its writes and reports how many
/// failed and the first errno, as fio's total_err and first_error; fill_device writes a RAM
/// disk to its end whatever size= says, and a file until its file system is full.
/// </summary>
public sealed class ContinueOnErrorTests : PinBalancedTest
{
    private const string Flaky = "--filename=faulty:flakey,up=10io,down=1io,error_writes:ram:1m";
    private const int Writes = 256;

    private static readonly string[] s_writer = [Flaky, "--rw=write", "--bs=4k", "--ioengine=psync", "--time_based=0", "--runtime=0"];

    [Fact]
    public void WithoutContinueOnErrorTheJobStopsAtTheFirstFailedWrite()
    {
        JobResult result = RunFaulty(s_writer);

        Assert.Equal(5, result.Error);
        Assert.True(result.Stats.Write.TotalIos < 20, $"{result.Stats.Write.TotalIos} writes");
        Assert.Equal(0, result.TotalErrors);
    }

    [Theory]
    [InlineData("--continue_on_error=write")]
    [InlineData("--continue_on_error=io")]
    [InlineData("--continue_on_error=1")]
    [InlineData("--ignore_error=,EIO:ENOSPC")]
    [InlineData("--ignore_error=,5")]
    public void ContinueOnErrorCountsTheFailedWritesAndGoesOn(string option)
    {
        JobResult result = RunFaulty([.. s_writer, option]);

        Assert.True(result.ContinuesOnError);
        // Every 11th bio fails: 256 writes, 23 of them in a down window.
        Assert.Equal(Writes / 11, result.TotalErrors);
        Assert.Equal(5, result.FirstError);
        Assert.Equal(5, result.Error);
        Assert.Equal((long)(Writes - result.TotalErrors) * 4096, result.Stats.Write.IoBytes);
    }

    [Theory]
    [InlineData("--continue_on_error=read")]
    [InlineData("--continue_on_error=verify")]
    [InlineData("--ignore_error=,ENOSPC")]
    public void ErrorsOfAnotherKindOrNumberStillStopTheJob(string option)
    {
        JobResult result = RunFaulty([.. s_writer, option]);

        Assert.Equal(5, result.Error);
        Assert.Equal(0, result.TotalErrors);
        Assert.True(result.Stats.Write.TotalIos < 20, $"{result.Stats.Write.TotalIos} writes");
    }

    [Fact]
    public void TheJsonReportHasTotalErrAndFirstErrorAsFios()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        TestJobs.WithoutPinOwnerStacks(() => PinIo.Cli.Program.Run(["--name=w", .. s_writer, "--continue_on_error=write", "--error_dump=0", "--output-format=json"], stdout, stderr));

        string json = stdout.ToString();
        Assert.Contains($"\"total_err\" : {Writes / 11},", json, StringComparison.Ordinal);
        Assert.Contains("\"first_error\" : 5", json, StringComparison.Ordinal);
    }

    [Fact]
    public void TheTerseLineEndsWithTotalErrAndFirstErrorAsFios()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        TestJobs.WithoutPinOwnerStacks(() => PinIo.Cli.Program.Run(["--name=w", .. s_writer, "--continue_on_error=write", "--error_dump=0", "--output-format=terse"], stdout, stderr));

        string line = stdout.ToString().Split('\n')[0];
        Assert.EndsWith($";{Writes / 11};5", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--ignore_error=EIO,EBOGUS", "EBOGUS")]
    [InlineData("--ignore_error=a,b,c,d", "READ,WRITE,VERIFY")]
    [InlineData("--continue_on_error=sometimes", "sometimes")]
    public void BadErrorListsAreRefusedByName(string option, string message)
    {
        var e = Assert.ThrowsAny<Exception>(() => TestJobs.Plan("--filename=ram:1m", option));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FillDeviceWritesARamDiskToItsEndWhateverSizeSays()
    {
        JobResult result = TestJobs.Run("--filename=ram:1m", "--size=256k", "--rw=write", "--bs=64k", "--fill_device=1", "--time_based=0", "--runtime=0");

        Assert.Equal(0, result.Error);
        Assert.Equal(1L << 20, result.Stats.Write.IoBytes);
        Assert.Equal(16, result.Stats.Write.TotalIos);
    }

    [Fact]
    public void FillDeviceWritesAFileUntilItsFileSystemIsFullAndEndsWithoutError()
    {
        using var dir = new TempDirectory();
        string mount = dir.File("fs");
        Directory.CreateDirectory(mount);
        Assert.True(Mount(mount), "mount -t tmpfs failed: this test needs root");
        try
        {
            string file = Path.Combine(mount, "data");
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int status = TestJobs.WithoutPinOwnerStacks(() => PinIo.Cli.Program.Run(["--name=f", $"--filename={file}", "--rw=write", "--bs=64k", "--fill_device=1", "--direct=1", "--output-format=json"], stdout, stderr));

            Assert.True(status == 0, stderr.ToString());
            // As fio 3.33 on the same 8 MiB tmpfs: io_bytes 8388608, error 0, and 129 writes issued,
            // the last the one that found the file system full (fio counts it as issued).
            Assert.Equal(8L << 20, new FileInfo(file).Length);
            Assert.Contains("\"io_bytes\" : 8388608,", stdout.ToString(), StringComparison.Ordinal);
            Assert.Contains("\"total_ios\" : 129,", stdout.ToString(), StringComparison.Ordinal);
            Assert.Contains("\"error\" : 0,", stdout.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Run("umount", mount);
        }
    }

    private static JobResult RunFaulty(string[] options)
    {
        PinIo.Cli.Jobs.JobPlan plan = TestJobs.Plan(options);
        using PinIo.Block.IBlockDevice device = plan.Target.Open(0);
        return TestJobs.Run(plan, device);
    }

    private static bool Mount(string path) => Run("mount", $"-t tmpfs -o size=8m tmpfs {path}");

    private static bool Run(string command, string arguments)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(command, arguments) { RedirectStandardError = true })!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }
}
