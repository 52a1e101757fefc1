using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// verify= on a job that only reads, as fio's: 16 MiB written with verify headers and no
/// read-back, one byte flipped at 20480 + 777 behind pinio's back, then a read job (and a
/// verify_only read job) with verify=crc32c finds the block, names the file and offset as fio
/// does ("crc32c: verify failed at file F offset 20480") and exits 1. And runtime bounds the
/// read-back as fio's do_verify: a runtime that ends in the write phase skips it.
/// </summary>
public sealed class ReadVerificationTests : PinBalancedTest, IDisposable
{
    private const long DamagedBlock = 20480;

    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData("read", false)]
    [InlineData("read", true)]
    [InlineData("randread", false)]
    [InlineData("randread", true)]
    public void AReadJobChecksEveryBlockItReadsAgainstItsHeader(string rw, bool verifyOnly)
    {
        string file = WrittenWithHeaders();
        FlipByte(file, DamagedBlock + 777);

        (int status, string stdout, string stderr) = Run(file, rw, verifyOnly);

        Assert.Equal(1, status);
        Assert.Contains($"crc32c: verify failed at file {file} offset {DamagedBlock}, length 4096: crc32c mismatch", stderr, StringComparison.Ordinal);
        Assert.Contains("first bad byte at block offset 777", stderr, StringComparison.Ordinal);
        Assert.Contains("err=84", stdout, StringComparison.Ordinal);
        Assert.Contains("io=16.0MiB", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AReadJobOfUndamagedDataPassesHavingReadEveryBlock(bool verifyOnly)
    {
        string file = WrittenWithHeaders();

        (int status, string stdout, string stderr) = Run(file, "read", verifyOnly);

        Assert.True(status == 0, stderr);
        Assert.Contains("err= 0", stdout, StringComparison.Ordinal);
        Assert.Contains("io=16.0MiB", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void AReadJobFindsABlockThatHoldsNoHeader()
    {
        string file = WrittenWithHeaders();
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            stream.Position = 8 * 4096;
            stream.Write(new byte[4096]);
        }

        (int status, _, string stderr) = Run(file, "read", verifyOnly: false);

        Assert.Equal(1, status);
        Assert.Contains($"verify: verify failed at file {file} offset 32768, length 4096: bad magic", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ARuntimeThatEndsDuringTheWritePhaseSkipsTheReadBack()
    {
        JobResult result = TestJobs.Run("--filename=ram:1g", "--rw=write", "--bs=4k", "--verify=crc32c", "--ioengine=psync", "--fixedbufs",
            "--time_based=0", "--runtime=20ms");

        Assert.True(result.Stats.Write.TotalIos < (1 << 18), "the write phase ended before the runtime: this test needs a region it cannot write in 20 ms");
        Assert.Equal(0, result.Error);
        Assert.Equal(0, result.Stats.Read.TotalIos);
    }

    [Fact]
    public void ATimeBasedJobWithVerifyReadsBackEachSizeOfWrites()
    {
        JobResult result = TestJobs.Run("--filename=ram:1m", "--rw=randwrite", "--bs=4k", "--verify=crc32c", "--ioengine=psync", "--fixedbufs",
            "--time_based", "--runtime=300ms");

        Assert.Equal(0, result.Error);
        Assert.True(result.Stats.Read.TotalIos >= 256, $"{result.Stats.Read.TotalIos} blocks read back");
        Assert.True(result.Stats.Write.TotalIos >= 256, $"{result.Stats.Write.TotalIos} blocks written");
    }

    public new void Dispose()
    {
        _dir.Dispose();
        base.Dispose();
    }

    private static (int Status, string Stdout, string Stderr) Run(string file, string rw, bool verifyOnly)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] args = ["--name=w", $"--filename={file}", "--size=16m", $"--rw={rw}", "--bs=4k", "--verify=crc32c", "--ioengine=io_uring", "--iodepth=8",
            "--direct=1", .. verifyOnly ? new[] { "--verify_only=1" } : []];
        int status = PinIo.Cli.Program.Run(args, stdout, stderr);
        return (status, stdout.ToString(), stderr.ToString());
    }

    /// <summary>16 MiB written sequentially in 4 KiB blocks with crc32c headers, not read back (do_verify=0).</summary>
    private string WrittenWithHeaders()
    {
        string file = _dir.File("verify.dat");
        var stderr = new StringWriter();
        int status = PinIo.Cli.Program.Run(["--name=w", $"--filename={file}", "--size=16m", "--rw=write", "--bs=4k", "--verify=crc32c", "--do_verify=0",
            "--ioengine=io_uring", "--iodepth=8", "--direct=1"], new StringWriter(), stderr);
        Assert.True(status == 0, stderr.ToString());
        return file;
    }

    private static void FlipByte(string file, long offset)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        int value = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(value ^ 0x20));
    }
}
