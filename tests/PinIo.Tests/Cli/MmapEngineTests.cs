using PinIo.Cli.Options;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// ioengine=mmap (fio's mmap engine): the job's file mapped, each I/O a copy to or from the
/// mapping. Its data against a model (the same job through psync, which PinIo's Direct I/O
/// writes), its read-back and a read job checked by verify, and a damaged block found.
/// </summary>
public sealed class MmapEngineTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData("write", "4k")]
    [InlineData("randwrite", "16k")]
    public void AnMmapWriteJob_LeavesTheFileThePsyncModelLeaves(string rw, string bs)
    {
        string mapped = _dir.File("mmap.dat");
        string model = _dir.File("model.dat");
        string[] job = ["--name=w", "--size=4m", $"--rw={rw}", $"--bs={bs}", "--refill_buffers", "--randrepeat=1"];

        FileEngineRuns.Succeed([.. job, $"--filename={mapped}", "--ioengine=mmap"]);
        FileEngineRuns.Succeed([.. job, $"--filename={model}", "--ioengine=psync", "--direct=1"]);

        Assert.Equal(-1, FileEngineRuns.FirstDifference(mapped, model));
    }

    [Fact]
    public void AnMmapWriteJobWithVerify_ReadsBackThroughTheMappingAndPasses()
    {
        string stdout = FileEngineRuns.Succeed("--name=v", $"--filename={_dir.File("v.dat")}", "--ioengine=mmap", "--size=4m", "--rw=randwrite",
            "--bs=4k", "--verify=crc32c", "--fsync=64");

        Assert.Contains("err= 0", stdout, StringComparison.Ordinal);
        Assert.Contains("issued rwts: total=1024,1024,0,16", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnMmapReadJob_FindsADamagedBlock_AndPassesAnUndamagedFile(bool damaged)
    {
        string file = _dir.File("r.dat");
        FileEngineRuns.Succeed("--name=r", $"--filename={file}", "--ioengine=mmap", "--size=1m", "--rw=write", "--bs=4k", "--verify=crc32c", "--do_verify=0");
        if (damaged)
        {
            FileEngineRuns.FlipByte(file, 20480 + 100);
        }

        (int status, string stdout, string stderr) = FileEngineRuns.Run("--name=r", $"--filename={file}", "--ioengine=mmap", "--size=1m", "--rw=read",
            "--bs=4k", "--verify=crc32c");

        if (damaged)
        {
            Assert.Equal(1, status);
            Assert.Contains($"verify failed at file {file} offset 20480", stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(status == 0, stderr);
            Assert.True(stdout.Contains("issued rwts: total=256,0,0,0", StringComparison.Ordinal), stdout);
        }
    }

    [Theory]
    [InlineData("--filename=ram:1m", "maps a regular file or a block device")]
    [InlineData("--filename=/dev/null", "is a character device")]
    [InlineData("--rw=trim", "rw=trim with ioengine=mmap is not supported")]
    public void AnMmapJob_RefusesWhatItCannotMap_ByName(string option, string message)
    {
        string[] job = option.StartsWith("--filename", StringComparison.Ordinal)
            ? ["--ioengine=mmap", "--size=1m", option]
            : ["--ioengine=mmap", $"--filename={_dir.File("t")}", "--size=1m", option];

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
