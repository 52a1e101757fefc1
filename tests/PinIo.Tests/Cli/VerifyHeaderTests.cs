using PinIo.Block;
using PinIo.Cli.Runner;
using PinIo.Cli.Verify;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

public sealed class VerifyHeaderTests : PinBalancedTest
{
    private const ulong Seed = 0x1234;

    [Fact]
    public void ABlockReadBackAsWrittenPasses()
    {
        byte[] block = Written(4096, offset: 8192, sequence: 5);
        Assert.Null(VerifyHeader.Check(block, 8192, Seed, 5));
    }

    [Theory]
    [InlineData(80)]
    [InlineData(100)]
    [InlineData(530)]
    [InlineData(4095)]
    public void AFlippedPayloadByteIsACrcMismatchNamingTheByte(int at)
    {
        byte[] block = Written(4096, offset: 8192, sequence: 5);
        block[at] ^= 0x01;

        VerifyFailure? failure = VerifyHeader.Check(block, 8192, Seed, 5);

        Assert.NotNull(failure);
        Assert.Equal("crc32c mismatch", failure.Check);
        Assert.Equal(8192, failure.Offset);
        Assert.Contains($"first bad byte at block offset {at}", failure.Message, StringComparison.Ordinal);
        Assert.Contains("crc32c: verify failed at offset 8192, length 4096: crc32c mismatch: expected 0x", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFlippedHeaderByteIsAHeaderCrcMismatch()
    {
        byte[] block = Written(4096, offset: 0, sequence: 1);
        block[20] ^= 0x80;

        Assert.Equal("header crc32c mismatch", VerifyHeader.Check(block, 0, Seed, 1)?.Check);
    }

    [Fact]
    public void ABlockWrittenForAnotherOffsetIsAWrongBlockNamingBoth()
    {
        byte[] block = Written(4096, offset: 4096, sequence: 1);

        VerifyFailure? failure = VerifyHeader.Check(block, 12288, Seed, 1);

        Assert.NotNull(failure);
        Assert.Equal("wrong block", failure.Check);
        Assert.Equal("offset 12288", failure.Expected);
        Assert.Equal("offset 4096", failure.Actual);
    }

    [Fact]
    public void AnOlderWriteOfTheBlockIsStale()
    {
        byte[] block = Written(4096, offset: 4096, sequence: 3);

        VerifyFailure? failure = VerifyHeader.Check(block, 4096, Seed, 7);

        Assert.NotNull(failure);
        Assert.Equal("stale block", failure.Check);
        Assert.Equal("sequence 7", failure.Expected);
        Assert.Equal("sequence 3", failure.Actual);
    }

    [Fact]
    public void AnotherJobsDataIsASeedMismatch()
    {
        byte[] block = Written(4096, offset: 0, sequence: 1);
        Assert.Equal("seed mismatch", VerifyHeader.Check(block, 0, Seed + 1, 1)?.Check);
    }

    [Fact]
    public void ABlockNeverWrittenHasNoMagic()
    {
        Assert.Equal("bad magic", VerifyHeader.Check(new byte[4096], 0, Seed, 0)?.Check);
    }

    [Fact]
    public void ABlockOfAnotherLengthIsALengthMismatch()
    {
        byte[] block = Written(8192, offset: 0, sequence: 1);
        Assert.Equal("length mismatch", VerifyHeader.Check(block.AsSpan(0, 4096), 0, Seed, 1)?.Check);
    }

    [Fact]
    public void TheCrcIsCrc32C()
    {
        // The check value of CRC-32C (Castagnoli) over "123456789".
        Assert.Equal(0xE3069283u, VerifyHeader.Crc32C("123456789"u8));
    }

    [Fact]
    public void AWriteJobWithVerifyReadsEveryBlockBackAndPasses()
    {
        JobResult result = TestJobs.Run("--filename=ram:1m", "--rw=randwrite", "--verify=crc32c", "--iodepth=8", "--fixedbufs", "--time_based=0", "--runtime=0");

        Assert.Equal(0, result.Error);
        Assert.Null(result.VerifyFailure);
        Assert.Equal(256, result.Stats.Write.TotalIos);
        Assert.Equal(256, result.Stats.Read.TotalIos);
    }

    [Fact]
    public void CorruptionBetweenWriteAndReadBackIsDetectedAndNamed()
    {
        int corrupted = 0;
        long corruptedAt = -1;
        JobResult result = TestJobs.Run(TestJobs.Plan("--filename=ram:1m", "--rw=write", "--verify=crc32c", "--ioengine=psync", "--fixedbufs", "--time_based=0", "--runtime=0"), disk =>
            disk.OnSubmit = bio =>
            {
                if (bio.Op == BioOp.Read && bio.Position == 65536 && Interlocked.Exchange(ref corrupted, 1) == 0)
                {
                    corruptedAt = bio.Position;
                    byte[] one = new byte[1];
                    disk.ReadRaw(bio.Position + 1000, one);
                    one[0] ^= 0x04;
                    disk.WriteRaw(bio.Position + 1000, one);
                }
            });

        Assert.Equal(65536, corruptedAt);
        Assert.Equal(JobResult.VerifyErrno, result.Error);
        Assert.NotNull(result.VerifyFailure);
        Assert.Equal(65536, result.VerifyFailure.Offset);
        Assert.Contains("crc32c: verify failed at file ram:1m offset 65536, length 4096: crc32c mismatch", result.ErrorText, StringComparison.Ordinal);
        Assert.Contains("first bad byte at block offset 1000", result.ErrorText, StringComparison.Ordinal);
        Assert.Equal(1, PinIo.Cli.Program.ExitStatus([result]));
        var report = new StringWriter();
        PinIo.Cli.Report.NormalReport.Write(report, [result], pid: 1);
        Assert.Contains("main: (groupid=0, jobs=1): err=84 (crc32c: verify failed at file ram:1m offset 65536", report.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ABlockCopiedOverAnotherIsDetectedAsTheWrongBlock()
    {
        bool done = false;
        JobResult result = TestJobs.Run(TestJobs.Plan("--filename=ram:1m", "--rw=write", "--verify=crc32c", "--ioengine=psync", "--fixedbufs", "--time_based=0", "--runtime=0"), disk =>
            disk.OnSubmit = bio =>
            {
                if (bio.Op == BioOp.Read && bio.Position == 8192 && !done)
                {
                    done = true;
                    byte[] other = new byte[4096];
                    disk.ReadRaw(0, other);
                    disk.WriteRaw(8192, other);
                }
            });

        Assert.Equal(JobResult.VerifyErrno, result.Error);
        Assert.Equal("wrong block", result.VerifyFailure?.Check);
        Assert.Contains("expected offset 8192, actual offset 0", result.ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void ALostWriteLeavesAStaleBlockThatIsDetected()
    {
        // Two passes over a 4-block region: the second write of block 2 is dropped on the floor,
        // so the read-back finds the first pass's data there.
        int writesOfBlock2 = 0;
        byte[] firstPass = new byte[4096];
        JobResult result = TestJobs.Run(TestJobs.Plan("--filename=ram:16k", "--rw=write", "--verify=crc32c", "--ioengine=psync", "--loops=2", "--fixedbufs", "--time_based=0", "--runtime=0"), disk =>
            disk.OnSubmit = bio =>
            {
                if (bio.Op == BioOp.Write && bio.Position == 8192 && ++writesOfBlock2 == 2)
                {
                    disk.ReadRaw(8192, firstPass);
                }
                if (bio.Op == BioOp.Read && bio.Position == 8192 && writesOfBlock2 == 2)
                {
                    disk.WriteRaw(8192, firstPass);
                }
            });

        Assert.Equal("stale block", result.VerifyFailure?.Check);
        Assert.Equal(8192, result.VerifyFailure?.Offset);
    }

    [Fact]
    public void ARandomReadJobVerifiesTheLaidOutData()
    {
        JobResult result = TestJobs.Run("--filename=ram:1m", "--rw=randread", "--verify=crc32c", "--runtime=50ms", "--fixedbufs");

        Assert.Equal(0, result.Error);
        Assert.True(result.Stats.Read.TotalIos > 0);
    }

    private static byte[] Written(int length, long offset, long sequence)
    {
        byte[] block = new byte[length];
        VerifyHeader.Write(block, offset, Seed, sequence);
        return block;
    }
}
