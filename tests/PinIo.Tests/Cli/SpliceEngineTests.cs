using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// ioengine=splice through PinIo's PipeBuffer: reads are Direct I/O into the pipe (each pipe
/// page pinned for the read, ITER_PIPE) drained into the job's buffer, writes go into the pipe
/// and out by Direct I/O from its pages, in pieces of the pipe's 16 pages. Pins balance (the
/// class's check, and the job's own counts), the data matches a model (the same job through
/// psync), and a damaged block read through the pipe fails verification.
/// </summary>
public sealed class SpliceEngineTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData("write", "4k")]
    [InlineData("randwrite", "192k")]
    public void ASpliceWriteJob_LeavesTheFileThePsyncModelLeaves(string rw, string bs)
    {
        string spliced = _dir.File("splice.dat");
        string model = _dir.File("model.dat");
        string[] job = ["--name=w", "--size=6m", $"--rw={rw}", $"--bs={bs}", "--refill_buffers", "--direct=1"];

        FileEngineRuns.Succeed([.. job, $"--filename={spliced}", "--ioengine=splice"]);
        FileEngineRuns.Succeed([.. job, $"--filename={model}", "--ioengine=psync"]);

        Assert.Equal(-1, FileEngineRuns.FirstDifference(spliced, model));
    }

    [Fact]
    public void ASpliceJobWithVerify_PinsEachPipePageForItsRead_AndReleasesEveryPin()
    {
        // 128 KiB blocks: two pipe-sized pieces each; every 4 KiB pipe page pinned once per piece it carries.
        JobResult result = TestJobs.Run("--filename=ram:8m", "--ioengine=splice", "--rw=randwrite", "--bs=128k", "--verify=crc32c", "--time_based=0", "--runtime=0");

        Assert.Equal(0, result.Error);
        Assert.Equal(64, result.Stats.Read.TotalIos);
        Assert.Equal(result.Pins.Acquired, result.Pins.Released);
        Assert.True(result.Pins.Acquired >= 2 * (8 << 20) / 4096, $"{result.Pins.Acquired} pins for 8 MiB written and 8 MiB read through the pipe");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ASpliceReadJob_FindsADamagedBlock_AndPassesAnUndamagedFile(bool damaged)
    {
        string file = _dir.File("r.dat");
        FileEngineRuns.Succeed("--name=r", $"--filename={file}", "--ioengine=psync", "--direct=1", "--size=2m", "--rw=write", "--bs=64k",
            "--verify=crc32c", "--do_verify=0");
        if (damaged)
        {
            FileEngineRuns.FlipByte(file, (3 * 65536) + 40000);
        }

        (int status, string stdout, string stderr) = FileEngineRuns.Run("--name=r", $"--filename={file}", "--ioengine=splice", "--direct=1",
            "--size=2m", "--rw=read", "--bs=64k", "--verify=crc32c");

        if (damaged)
        {
            Assert.Equal(1, status);
            Assert.Contains($"verify failed at file {file} offset {3 * 65536}", stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(status == 0, stderr);
            Assert.Contains("io=2048KiB", stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ASpliceJob_RefusesTrims_ByName()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--ioengine=splice", "--filename=ram:1m", "--rw=trim"));
        Assert.Contains("rw=trim with ioengine=splice is not supported", e.Message, StringComparison.Ordinal);
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
