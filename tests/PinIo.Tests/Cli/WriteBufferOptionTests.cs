using System.Security.Cryptography;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// What a write job leaves on disk: buffer_pattern's bytes (scramble_buffers=0: exactly the
/// pattern; by default one word a sector changed, as fio's scramble), dedupe_percentage's
/// share of duplicate blocks counted on the disk, and buffer_compress_chunk's runs of fixed data.
/// </summary>
public sealed class WriteBufferOptionTests : PinBalancedTest
{
    private const int Block = 4096;

    private static readonly string[] s_writer = ["--filename=ram:4m", "--rw=write", "--bs=4k", "--iodepth=4", "--time_based=0", "--runtime=0"];

    [Fact]
    public void BufferPatternIsWhatTheDiskHoldsWithScrambleBuffersOff()
    {
        byte[] disk = WriteAndRead([.. s_writer, "--buffer_pattern=0xdeadbeef\"ab\"", "--scramble_buffers=0"]);

        byte[] pattern = [0xde, 0xad, 0xbe, 0xef, (byte)'a', (byte)'b'];
        for (int block = 0; block < disk.Length; block += Block)
        {
            for (int i = 0; i < Block; i++)
            {
                Assert.True(disk[block + i] == pattern[i % pattern.Length], $"byte {block + i}: 0x{disk[block + i]:x2}, not 0x{pattern[i % pattern.Length]:x2}");
            }
        }
    }

    [Fact]
    public void ScrambleBuffersByDefaultMakesEveryBlockOfAPatternDifferentAndZeroTurnsItOff()
    {
        byte[] scrambled = WriteAndRead([.. s_writer, "--buffer_pattern=0x55"]);
        byte[] plain = WriteAndRead([.. s_writer, "--buffer_pattern=0x55", "--scramble_buffers=0"]);

        Assert.Equal(0.0, DuplicateShare(scrambled));
        Assert.Equal(1.0 - (1.0 / 1024), DuplicateShare(plain), 6);
    }

    [Theory]
    [InlineData("repeat", 0.40, 0.60)]
    [InlineData("working_set", 0.35, 0.55)]
    public void DedupePercentageMakesThatShareOfTheBlocksDuplicates(string mode, double low, double high)
    {
        byte[] disk = WriteAndRead([.. s_writer, "--dedupe_percentage=50", $"--dedupe_mode={mode}"]);

        double duplicates = DuplicateShare(disk);
        Assert.InRange(duplicates, low, high);
    }

    [Fact]
    public void WithoutDedupeNoBlockRepeats()
    {
        Assert.Equal(0.0, DuplicateShare(WriteAndRead(s_writer)));
    }

    [Fact]
    public void BufferCompressChunkSetsTheRunOfRandomThenFixedData()
    {
        byte[] disk = WriteAndRead([.. s_writer, "--buffer_compress_percentage=50", "--buffer_compress_chunk=1k"]);

        // Each 1 KiB: 512 random bytes, then 512 zeros.
        for (int chunk = 0; chunk < Block * 4; chunk += 1024)
        {
            Assert.True(disk.AsSpan(chunk, 512).Count((byte)0) < 16, $"chunk {chunk} starts with zeros");
            Assert.False(disk.AsSpan(chunk + 512, 512).ContainsAnyExcept((byte)0), $"chunk {chunk} ends with data");
        }
    }

    [Fact]
    public void AWorkingSetAndADedupeShareOverAHundredAreRefused()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan([.. s_writer, "--dedupe_percentage=60", "--dedupe_mode=working_set", "--dedupe_working_set_percentage=50"]));
        Assert.Contains("exceeds 100", e.Message, StringComparison.Ordinal);
    }

    private static double DuplicateShare(byte[] disk)
    {
        var distinct = new HashSet<string>();
        int blocks = disk.Length / Block;
        for (int block = 0; block < blocks; block++)
        {
            distinct.Add(Convert.ToHexString(SHA256.HashData(disk.AsSpan(block * Block, Block))));
        }
        return 1.0 - ((double)distinct.Count / blocks);
    }

    private static byte[] WriteAndRead(string[] options)
    {
        JobPlan plan = TestJobs.Plan(options);
        using var disk = (RamDisk)plan.Target.Open(0);
        Assert.Equal(0, TestJobs.Run(plan, disk).Error);
        byte[] bytes = new byte[plan.Size];
        disk.ReadRaw(0, bytes);
        return bytes;
    }
}
