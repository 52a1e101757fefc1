using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Cli.Verify;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// Verification catches real corruption: a job writes every block of a 16-block region twice
/// (sequence numbers 0-15, then 16-31), the data is damaged behind its back — a flipped byte,
/// a stale block (the first pass's write of a block put back), a torn write (half of each
/// write) — and a verify_only run of the same job finds the damage, names the offset, the
/// expected and the actual values, and fails the job. On the RAM disk and on a file.
/// </summary>
public sealed class VerificationTests : PinBalancedTest
{
    private const int Block = 4096;
    private const int DamagedBlock = 5;
    private const long DamagedOffset = DamagedBlock * Block;
    private const int Blocks = 16;

    private static readonly string[] s_writer =
        ["--name=v", "--rw=write", "--bs=4k", "--loops=2", "--verify=crc32c", "--do_verify=0", "--time_based=0", "--runtime=0"];

    public enum Damage
    {
        FlippedByte,
        Stale,
        TornTail,
        TornHead,
        HeaderNeverWritten,
    }

    [Theory]
    [InlineData(Damage.FlippedByte, "crc32c mismatch", "first bad byte at block offset 1000")]
    [InlineData(Damage.Stale, "stale block", "expected sequence 21, actual sequence 5")]
    [InlineData(Damage.TornTail, "torn block", "sequence 21 in bytes 0..2047, sequence 5 in bytes 2048..4095")]
    [InlineData(Damage.TornHead, "torn block", "sequence 5 in bytes 0..511, sequence 21 in bytes 512..4095")]
    [InlineData(Damage.HeaderNeverWritten, "torn block", "no valid header in bytes 0..511, sequence 21 in bytes 512..4095")]
    public void DamageOnTheRamDiskIsFoundByAVerifyOnlyRun(Damage damage, string check, string detail)
    {
        JobPlan writer = Plan("--filename=ram:64k", "--ioengine=psync", "--fixedbufs");
        JobPlan verifier = Plan("--filename=ram:64k", "--ioengine=psync", "--fixedbufs", "--verify_only");
        using var disk = (RamDisk)writer.Target.Open(0);
        Assert.Equal(0, TestJobs.Run(writer, disk).Error);
        Assert.Equal(0, TestJobs.Run(verifier, disk).Error);

        byte[] block = new byte[Block];
        disk.ReadRaw(DamagedOffset, block);
        disk.WriteRaw(DamagedOffset, Damaged(block, damage, writer.Seed));
        JobResult result = TestJobs.Run(verifier, disk);

        AssertFound(result, check, detail);
    }

    [Theory]
    [InlineData(Damage.FlippedByte, "crc32c mismatch", "first bad byte at block offset 1000")]
    [InlineData(Damage.Stale, "stale block", "expected sequence 21, actual sequence 5")]
    [InlineData(Damage.TornTail, "torn block", "sequence 21 in bytes 0..2047, sequence 5 in bytes 2048..4095")]
    public void DamageInAFileIsFoundByAVerifyOnlyRun(Damage damage, string check, string detail)
    {
        using var dir = new TempDirectory();
        string file = dir.File("verify.dat");
        string[] target = [$"--filename={file}", "--size=64k", "--ioengine=io_uring", "--iodepth=4", "--direct=1"];
        Assert.Equal(0, Assert.Single(RunGroup([.. s_writer, .. target])).Error);
        JobPlan writer = JobPlan.Resolve(CommandLineJobs.Parse([.. s_writer, .. target], MainJob.Options()))[0];

        byte[] block = new byte[Block];
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = DamagedOffset;
            stream.ReadExactly(block);
            stream.Position = DamagedOffset;
            stream.Write(Damaged(block, damage, writer.Seed));
        }
        JobResult result = Assert.Single(RunGroup([.. s_writer, .. target, "--verify_only"]));

        AssertFound(result, check, detail);
    }

    [Fact]
    public void AVerifyOnlyRunOfUndamagedDataPassesAndReadsEveryBlockOnce()
    {
        using var dir = new TempDirectory();
        string[] job = [.. s_writer, $"--filename={dir.File("ok.dat")}", "--size=64k", "--ioengine=psync"];
        RunGroup(job);

        JobResult result = Assert.Single(RunGroup([.. job, "--verify_only"]));

        Assert.Equal(0, result.Error);
        Assert.Equal(Blocks, result.Stats.Read.TotalIos);
        Assert.Equal(0, result.Stats.Write.TotalIos);
    }

    [Fact]
    public void WithoutVerifyFatalEveryBadBlockIsCountedAndWithItTheJobStopsAtTheFirst()
    {
        JobPlan writer = Plan("--filename=ram:64k", "--ioengine=psync", "--fixedbufs");
        using var disk = (RamDisk)writer.Target.Open(0);
        TestJobs.Run(writer, disk);
        foreach (long offset in new[] { 3L * Block, 9L * Block })
        {
            byte[] one = new byte[1];
            disk.ReadRaw(offset + 700, one);
            one[0] ^= 0x10;
            disk.WriteRaw(offset + 700, one);
        }

        JobResult all = TestJobs.Run(Plan("--filename=ram:64k", "--ioengine=psync", "--fixedbufs", "--verify_only"), disk);
        JobResult fatal = TestJobs.Run(Plan("--filename=ram:64k", "--ioengine=psync", "--fixedbufs", "--verify_only", "--verify_fatal=1"), disk);

        Assert.Equal(2, all.VerifyMismatches);
        Assert.Equal([3L * Block, 9L * Block], all.VerifyFailures.Select(f => f.Offset));
        Assert.Equal(Blocks, all.Stats.Read.TotalIos);
        Assert.Contains("1 more blocks failed verification", all.ErrorText, StringComparison.Ordinal);
        Assert.Equal(1, fatal.VerifyMismatches);
        Assert.Equal(4, fatal.Stats.Read.TotalIos);
        Assert.Equal(1, PinIo.Cli.Program.ExitStatus([fatal]));
    }

    [Fact]
    public void VerifyBacklogReadsBackEveryNWritesDuringTheRun()
    {
        int corrupted = 0;
        JobResult clean = TestJobs.Run("--filename=ram:1m", "--rw=randwrite", "--verify=crc32c", "--verify_backlog=16", "--do_verify=0",
            "--ioengine=io_uring", "--iodepth=8", "--fixedbufs", "--time_based=0", "--runtime=0");
        JobResult damaged = TestJobs.Run(TestJobs.Plan("--filename=ram:1m", "--rw=randwrite", "--verify=crc32c", "--verify_backlog=16", "--do_verify=0",
            "--ioengine=psync", "--fixedbufs", "--time_based=0", "--runtime=0"), disk => disk.OnSubmit = bio =>
            {
                if (bio.Op == BioOp.Read && Interlocked.Exchange(ref corrupted, 1) == 0)
                {
                    byte[] one = new byte[1];
                    disk.ReadRaw(bio.Position + 2000, one);
                    one[0] ^= 0x01;
                    disk.WriteRaw(bio.Position + 2000, one);
                }
            });

        Assert.Equal(0, clean.Error);
        Assert.Equal((256, 256), (clean.Stats.Write.TotalIos, clean.Stats.Read.TotalIos));
        Assert.Equal(JobResult.VerifyErrno, damaged.Error);
        Assert.Equal(256, damaged.Stats.Write.TotalIos);
        Assert.Equal("crc32c mismatch", damaged.VerifyFailure?.Check);
    }

    [Theory]
    [InlineData("crc32c")]
    [InlineData("crc32c-intel")]
    [InlineData("md5")]
    [InlineData("sha256")]
    [InlineData("xxhash")]
    public void EveryChecksumReadsBackCleanDataAndNamesAFlippedByte(string verify)
    {
        string[] job = ["--filename=ram:256k", "--rw=randwrite", $"--verify={verify}", "--ioengine=psync", "--fixedbufs", "--time_based=0", "--runtime=0"];
        bool flipped = false;

        JobResult clean = TestJobs.Run(job);
        JobResult damaged = TestJobs.Run(TestJobs.Plan(job), disk => disk.OnSubmit = bio =>
        {
            if (bio.Op == BioOp.Read && bio.Position == 8192 && !flipped)
            {
                flipped = true;
                byte[] one = new byte[1];
                disk.ReadRaw(bio.Position + 3000, one);
                one[0] ^= 0x80;
                disk.WriteRaw(bio.Position + 3000, one);
            }
        });

        Assert.Equal(0, clean.Error);
        Assert.Equal(64, clean.Stats.Read.TotalIos);
        string name = verify == "crc32c-intel" ? "crc32c" : verify;
        Assert.Equal($"{name} mismatch", damaged.VerifyFailure?.Check);
        Assert.Contains("first bad byte at block offset 3000", damaged.ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void APatternJobWritesThePatternAndFindsAByteThatIsNot()
    {
        string[] job = ["--filename=ram:64k", "--rw=write", "--verify_pattern=0xdeadbeef", "--ioengine=psync", "--time_based=0", "--runtime=0"];
        JobPlan plan = TestJobs.Plan(job);
        Assert.Equal(VerifyKind.Pattern, plan.Verify);
        using var disk = (RamDisk)plan.Target.Open(0);

        Assert.Equal(0, TestJobs.Run(plan, disk).Error);
        byte[] content = new byte[8];
        disk.ReadRaw(4096, content);
        Assert.Equal([0xde, 0xad, 0xbe, 0xef, 0xde, 0xad, 0xbe, 0xef], content);

        bool damaged = false;
        JobResult bad = TestJobs.Run(plan, d => d.OnSubmit = bio =>
        {
            if (bio.Op == BioOp.Read && !damaged)
            {
                damaged = true;
                d.WriteRaw(bio.Position + 6, [0x00]);
            }
        });
        Assert.Equal("pattern mismatch", bad.VerifyFailure?.Check);
        Assert.Contains("expected 0xbe, actual 0x00 (first bad byte at block offset 6)", bad.ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void AStringPatternFillsTheChecksummedPayload()
    {
        byte[] block = new byte[4096];
        byte[] pattern = ValueParsers.ParsePattern("\"pinio\"");

        VerifyHeader.Write(block, 0, 1, 2, VerifyKind.Sha256, pattern);

        Assert.Equal("pinio"u8.ToArray(), block.AsSpan(VerifyHeader.Size, 5).ToArray());
        Assert.Null(VerifyHeader.Check(block, 0, 1, 2, VerifyKind.Sha256, pattern));
    }

    [Fact]
    public void OverlappingWritesOfMixedSizesVerifyClean()
    {
        // Random writes of 4k, 16k and 64k without the random map overlap each other all the
        // time: the block log forgets a write as soon as part of it is overwritten.
        JobResult result = TestJobs.Run("--filename=ram:1m", "--rw=randwrite", "--bssplit=4k/50:16k/30:64k/20", "--norandommap", "--io_size=8m",
            "--verify=crc32c", "--ioengine=io_uring", "--iodepth=8", "--fixedbufs", "--time_based=0", "--runtime=0");

        Assert.Equal(0, result.Error);
        Assert.True(result.Stats.Read.TotalIos > 0);
    }

    [Fact]
    public void SequentialWritesOfSizesThatAreNotMultiplesOfEachOtherVerifyClean()
    {
        // 4k and 6k blocks in sequence put offsets on 2k multiples: the unit of the block log.
        JobPlan plan = TestJobs.Plan("--filename=ram:1m", "--rw=write", "--bssplit=4k/50:6k/50", "--verify=sha256", "--ioengine=psync", "--fixedbufs",
            "--loops=3", "--time_based=0", "--runtime=0");

        JobResult result = TestJobs.Run(plan);

        Assert.Equal(2048, plan.Grain);
        Assert.Equal(0, result.Error);
        Assert.True(result.Stats.Read.TotalIos > 100);
    }

    [Fact]
    public void ASkipThatIsNotAWholeSectorIsRefused()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--filename=ram:1m", "--rw=write:100"));
        Assert.Contains("offsets would fall on multiples of 4 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheBlockLogForgetsAWriteThatALaterOneOverwritesInPart()
    {
        var log = new BlockLog(8);
        log.Record(0, 4, 4 * 512, 1);
        log.Record(2, 4, 4 * 512, 2);
        log.Record(7, 1, 512, 3);

        Assert.False(log.TryGetWrite(0, out _, out _, out _));
        Assert.Equal(BlockLog.NeverWritten, log[1]);
        Assert.True(log.TryGetWrite(2, out long sequence, out int length, out int count));
        Assert.Equal((2L, 2048, 4), (sequence, length, count));
        Assert.False(log.TryGetWrite(3, out _, out _, out _));
        Assert.True(log.TryGetWrite(7, out _, out _, out _));
    }

    [Theory]
    [InlineData("0xdeadbeef", new byte[] { 0xde, 0xad, 0xbe, 0xef })]
    [InlineData("0xabc", new byte[] { 0x0a, 0xbc })]
    [InlineData("\"ab\"", new byte[] { 0x61, 0x62 })]
    [InlineData("'x'0x0a", new byte[] { 0x78, 0x0a })]
    [InlineData("1 255", new byte[] { 1, 255 })]
    public void VerifyPatternsAreHexStringsAndBytes(string text, byte[] expected)
    {
        Assert.Equal(expected, ValueParsers.ParsePattern(text));
    }

    private static JobPlan Plan(params string[] target) =>
        JobPlan.Resolve(CommandLineJobs.Parse([.. s_writer, .. target], MainJob.Options()))[0];

    private static IReadOnlyList<JobResult> RunGroup(string[] options) =>
        JobGroup.Run(JobPlan.Resolve(CommandLineJobs.Parse(options, MainJob.Options())), CancellationToken.None);

    /// <summary>The damaged block: <paramref name="current"/> is the second pass's write (sequence 21) of block 5.</summary>
    private static byte[] Damaged(byte[] current, Damage damage, ulong seed)
    {
        byte[] older = new byte[Block];
        VerifyHeader.Write(older, DamagedOffset, seed, DamagedBlock);
        byte[] result = (byte[])current.Clone();
        switch (damage)
        {
            case Damage.FlippedByte:
                result[1000] ^= 0x40;
                break;
            case Damage.Stale:
                older.CopyTo(result, 0);
                break;
            case Damage.TornTail:
                older.AsSpan(Block / 2).CopyTo(result.AsSpan(Block / 2));
                break;
            case Damage.TornHead:
                older.AsSpan(0, 512).CopyTo(result);
                break;
            default:
                result.AsSpan(0, 512).Clear();
                break;
        }
        return result;
    }

    private static void AssertFound(JobResult result, string check, string detail)
    {
        Assert.Equal(JobResult.VerifyErrno, result.Error);
        Assert.Equal(1, result.VerifyMismatches);
        Assert.NotNull(result.VerifyFailure);
        Assert.Equal(check, result.VerifyFailure.Check);
        Assert.Equal(DamagedOffset, result.VerifyFailure.Offset);
        Assert.Contains($"offset {DamagedOffset}, length {Block}: {check}", result.ErrorText, StringComparison.Ordinal);
        Assert.Contains(detail, result.ErrorText, StringComparison.Ordinal);
        Assert.Equal(Blocks, result.Stats.Read.TotalIos);
        Assert.Equal(1, PinIo.Cli.Program.ExitStatus([result]));
    }
}
