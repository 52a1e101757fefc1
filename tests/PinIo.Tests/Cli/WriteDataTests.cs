using System.IO.Compression;
using CsCheck;
using PinIo.Cli.Jobs;
using PinIo.Cli.Runner;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// The data a write job puts on the device, as a compressing or deduplicating device sees it
/// (zram, VDO, an SSD's controller): fio's default (scramble_buffers=1) writes random data in
/// which no two 512-byte sectors are alike, so such a device can neither compress nor share
/// them and measures its real cost per write.
/// </summary>
public sealed class WriteDataTests : PinBalancedTest
{
    private const int Sector = 512;
    private const int Block = 4096;

    [Theory]
    [InlineData("--ioengine=psync", "--iodepth=1")]
    [InlineData("--ioengine=io_uring", "--iodepth=4")]
    [InlineData("--ioengine=io_uring", "--iodepth=4", "--fixedbufs")]
    public void EverySectorAWriteJobWritesIsDistinct_AndNoBlockCompresses(params string[] engine)
    {
        byte[] content = Written(256 * Block, ["--rw=randwrite", "--bs=4k", .. engine]);

        var sectors = new HashSet<string>(StringComparer.Ordinal);
        for (int at = 0; at < content.Length; at += Sector)
        {
            Assert.True(sectors.Add(Convert.ToBase64String(content, at, Sector)), $"the sector at {at} repeats an earlier one");
        }
        for (int at = 0; at < content.Length; at += Block)
        {
            int compressed = DeflatedLength(content.AsSpan(at, Block));
            Assert.True(compressed >= Block, $"the block at {at} deflates to {compressed} of {Block} bytes");
        }
    }

    [Fact]
    public void AStampChangesOneWordPerWholeSector_ThatSectorsOwnWord()
    {
        // Whatever the length, the words stamped four sectors at a time and the rest one at a
        // time are each sector's own word, at the write's place in the sector, and nothing else
        // changes: not a partial last sector either.
        Gen.Select(Gen.Int[0, 70], Gen.Int[0, 511], Gen.Long[0, 1L << 40], Gen.Long[0, 1L << 20]).Sample((sectors, tail, offset, write) =>
        {
            byte[] before = new byte[(sectors * Sector) + tail];
            Random.Shared.NextBytes(before);
            byte[] after = (byte[])before.Clone();

            WriteScramble.Stamp(after, offset, write);

            ulong state = WriteScramble.WriteState(offset, write);
            int at = WriteScramble.WordIndex(write);
            for (int i = 0; i + sizeof(ulong) <= before.Length; i += sizeof(ulong))
            {
                bool stamped = i / Sector < sectors && (i % Sector) / sizeof(ulong) == at;
                ulong expected = stamped ? WriteScramble.SectorWord(state, i / Sector) : BitConverter.ToUInt64(before.AsSpan(i));
                Assert.Equal(expected, BitConverter.ToUInt64(after.AsSpan(i)));
            }
            Assert.Equal(before.AsSpan(before.Length / sizeof(ulong) * sizeof(ulong)).ToArray(), after.AsSpan(before.Length / sizeof(ulong) * sizeof(ulong)).ToArray());
        }, iter: 300);
    }

    [Fact]
    public void RewritingABlockChangesIt_AndZeroBuffersStayZero()
    {
        string[] job = ["--rw=write", "--bs=4k", "--ioengine=psync", "--iodepth=1"];
        byte[] once = Written(64 * Block, job);
        byte[] twice = Written(64 * Block, [.. job, "--loops=2"]);
        byte[] zeros = Written(64 * Block, [.. job, "--zero_buffers"]);

        // Same seed, one buffer: the second pass's stamps make each block differ from the first pass's.
        for (int at = 0; at < once.Length; at += Block)
        {
            Assert.False(once.AsSpan(at, Block).SequenceEqual(twice.AsSpan(at, Block)), $"the block at {at} was rewritten with the same bytes");
        }
        Assert.All(zeros, b => Assert.Equal(0, b));
    }

    [Fact]
    public void TheLayoutBeforeAReadJob_WritesNoSectorTwice()
    {
        // The layout writes the region in 1 MiB pieces from one buffer: 3 MiB repeat it twice.
        byte[] content = Written(3 << 20, ["--rw=read", "--bs=4k", "--ioengine=psync", "--iodepth=1"]);

        var sectors = new HashSet<string>(StringComparer.Ordinal);
        for (int at = 0; at < content.Length; at += Sector)
        {
            Assert.True(sectors.Add(Convert.ToBase64String(content, at, Sector)), $"the sector at {at} repeats an earlier one");
        }
    }

    private static byte[] Written(int size, string[] job)
    {
        JobPlan plan = TestJobs.Plan([$"--filename=ram:{size}", "--randrepeat=1", "--time_based=0", "--runtime=0", .. job]);
        using var disk = (RamDisk)plan.Target.Open(0);
        TestJobs.Run(plan, disk);
        byte[] content = new byte[size];
        disk.ReadRaw(0, content);
        return content;
    }

    private static int DeflatedLength(ReadOnlySpan<byte> block)
    {
        using var sink = new MemoryStream();
        using (var deflate = new DeflateStream(sink, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(block);
        }
        return (int)sink.Length;
    }
}
