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
/// fio's verify= kinds, verify_interval, verify_offset and verify_dump: a job writes a 64 KiB
/// RAM disk with the kind's header, a byte of one block is changed behind its back, and a
/// verify_only run of the same job must name that block and the kind's check; an undamaged
/// disk passes. verify=meta hashes no payload but catches a block that lies at the wrong offset.
/// </summary>
public sealed class VerifyKindTests : PinBalancedTest
{
    private const int Block = 4096;
    private const long Damaged = 5 * Block;

    private static readonly string[] s_sizeBound = ["--time_based=0", "--runtime=0"];

    private static string[] SizeBound => s_sizeBound;

    [Theory]
    [InlineData("crc64")]
    [InlineData("crc32")]
    [InlineData("crc16")]
    [InlineData("crc7")]
    [InlineData("sha1")]
    [InlineData("sha512")]
    [InlineData("sha3-256")]
    [InlineData("sha3-384")]
    [InlineData("sha3-512")]
    [InlineData("crc32c")]
    [InlineData("md5")]
    [InlineData("sha256")]
    [InlineData("xxhash")]
    public void EachChecksumCatchesAFlippedPayloadByte(string kind)
    {
        string[] job = ["--filename=ram:64k", "--rw=write", "--bs=4k", $"--verify={kind}", "--do_verify=0", .. SizeBound];
        using var disk = WriteAndCheck(job, out JobResult clean);
        Assert.Equal(0, clean.Error);

        Flip(disk, Damaged + 1000);
        JobResult result = TestJobs.Run(TestJobs.Plan([.. job, "--verify_only"]), disk);

        Assert.Equal(JobResult.VerifyErrno, result.Error);
        VerifyFailure failure = Assert.Single(result.VerifyFailures);
        Assert.Equal(Damaged, failure.Offset);
        Assert.Equal($"{kind} mismatch", failure.Check);
        Assert.Contains("first bad byte at block offset 1000", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Sha3_224IsRefusedByName()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--filename=ram:64k", "--rw=write", "--verify=sha3-224"));
        Assert.Contains("verify=sha3-224", e.Message, StringComparison.Ordinal);
        Assert.Contains("use sha3-256", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MetaIgnoresThePayloadButCatchesABlockAtTheWrongOffset()
    {
        string[] job = ["--filename=ram:64k", "--rw=write", "--bs=4k", "--verify=meta", "--do_verify=0", .. SizeBound];
        using var disk = WriteAndCheck(job, out _);
        Flip(disk, Damaged + 1000);
        Assert.Equal(0, TestJobs.Run(TestJobs.Plan([.. job, "--verify_only"]), disk).Error);

        byte[] block = new byte[Block];
        disk.ReadRaw(Damaged + Block, block);
        disk.WriteRaw(Damaged, block);
        JobResult result = TestJobs.Run(TestJobs.Plan([.. job, "--verify_only"]), disk);

        VerifyFailure failure = Assert.Single(result.VerifyFailures);
        Assert.Equal(Damaged, failure.Offset);
        Assert.Equal("wrong block", failure.Check);
        Assert.Equal($"offset {Damaged + Block}", failure.Actual);
    }

    [Fact]
    public void VerifyIntervalNamesTheDamagedIntervalOfABlock()
    {
        string[] job = ["--filename=ram:64k", "--rw=write", "--bs=4k", "--verify=crc32c", "--verify_interval=512", "--do_verify=0", .. SizeBound];
        using var disk = WriteAndCheck(job, out JobResult clean);
        Assert.Equal(0, clean.Error);
        // A header at the start of each 512-byte interval.
        byte[] second = new byte[4];
        disk.ReadRaw(Damaged + 512, second);
        Assert.Equal("pinv"u8.ToArray(), second);

        Flip(disk, Damaged + 512 + 200);
        JobResult result = TestJobs.Run(TestJobs.Plan([.. job, "--verify_only"]), disk);

        VerifyFailure failure = Assert.Single(result.VerifyFailures);
        Assert.Equal(Damaged + 512, failure.Offset);
        Assert.Equal(512, failure.Length);
        Assert.Equal("crc32c mismatch", failure.Check);
        Assert.Contains("first bad byte at block offset 200", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyOffsetMovesTheHeaderIntoTheBlockAndBackForTheCheck()
    {
        string[] job = ["--filename=ram:64k", "--rw=write", "--bs=4k", "--verify=md5", "--verify_offset=1024", "--do_verify=0", .. SizeBound];
        using var disk = WriteAndCheck(job, out JobResult clean);
        Assert.Equal(0, clean.Error);
        byte[] magic = new byte[4];
        disk.ReadRaw(Damaged + 1024, magic);
        Assert.Equal("pinv"u8.ToArray(), magic);

        Flip(disk, Damaged + 1024 + 40);
        JobResult result = TestJobs.Run(TestJobs.Plan([.. job, "--verify_only"]), disk);

        Assert.Equal(Damaged, Assert.Single(result.VerifyFailures).Offset);
    }

    [Theory]
    [InlineData("--verify_interval=100", "a multiple of 8 of at least 88")]
    [InlineData("--verify_interval=3072", "4096 is not a multiple of it")]
    [InlineData("--verify_offset=40", "verify_offset=40 must be 0, or at least")]
    public void BadIntervalsAndOffsetsAreRefusedByName(string option, string message)
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--filename=ram:64k", "--rw=write", "--bs=4k", "--verify=crc32c", option));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyDumpWritesTheReceivedAndExpectedBlocksAsFioNamesThem()
    {
        using var dir = new TempDirectory();
        string name = $"dump-{Guid.NewGuid():N}.dat";
        string file = dir.File(name);
        string[] job = [$"--filename={file}", "--size=64k", "--rw=write", "--bs=4k", "--verify=crc32c", "--do_verify=0", "--ioengine=psync", .. SizeBound];
        RunGroup(job);
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
        {
            stream.Position = Damaged + 1000;
            int b = stream.ReadByte();
            stream.Position = Damaged + 1000;
            stream.WriteByte((byte)(b ^ 0x40));
        }
        string received = $"{name}.{Damaged}.received";
        string expected = $"{name}.{Damaged}.expected";
        try
        {
            JobResult result = Assert.Single(RunGroup([.. job, "--verify_only", "--verify_dump=1"]));

            Assert.Equal(JobResult.VerifyErrno, result.Error);
            byte[] got = File.ReadAllBytes(received);
            byte[] want = File.ReadAllBytes(expected);
            Assert.Equal(Block, got.Length);
            Assert.Equal(Block, want.Length);
            int[] differ = [.. Enumerable.Range(0, Block).Where(i => got[i] != want[i])];
            Assert.Equal([1000], differ);
        }
        finally
        {
            File.Delete(received);
            File.Delete(expected);
        }
    }

    private static IReadOnlyList<JobResult> RunGroup(string[] options) =>
        JobGroup.Run(JobPlan.Resolve(CommandLineJobs.Parse(options, MainJob.Options())), CancellationToken.None);

    private static RamDisk WriteAndCheck(string[] job, out JobResult check)
    {
        JobPlan writer = TestJobs.Plan(job);
        var disk = (RamDisk)writer.Target.Open(0);
        Assert.Equal(0, TestJobs.Run(writer, disk).Error);
        check = TestJobs.Run(TestJobs.Plan([.. job, "--verify_only"]), disk);
        return disk;
    }

    private static void Flip(RamDisk disk, long offset)
    {
        byte[] one = new byte[1];
        disk.ReadRaw(offset, one);
        one[0] ^= 0x40;
        disk.WriteRaw(offset, one);
    }
}
