using PinIo.Cli.Jobs;
using PinIo.Cli.Verify;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>The verify block's payload and stamps made a vector at a time are the words and crcs blocks written before were checked with.</summary>
public sealed class VerifyPayloadTests : PinBalancedTest
{
    [Fact]
    public void PayloadWordsAreSplitMix64StepsOneAfterAnother()
    {
        var random = new Random(7);
        foreach (int length in (int[])[0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 502, 510, 16374])
        {
            for (int round = 0; round < 4; round++)
            {
                ulong state = (ulong)random.NextInt64() ^ ((ulong)round << 63);
                ulong[] expected = new ulong[length];
                ulong s = state;
                for (int i = 0; i < length; i++)
                {
                    expected[i] = Taus88.SplitMix64(ref s);
                }
                ulong[] actual = new ulong[length];
                PayloadWords.Fill(actual, state);
                Assert.Equal(expected, actual);
            }
        }
    }

    [Fact]
    public void StampCrcIsTheCrc32cOfItsSixteenBytes()
    {
        var random = new Random(11);
        byte[] stamp = new byte[24];
        for (int round = 0; round < 1000; round++)
        {
            random.NextBytes(stamp);
            Assert.Equal(VerifyHeader.Crc32C(stamp.AsSpan(0, 16)), VerifyHeader.StampCrc(stamp));
        }
        Assert.Equal(VerifyHeader.Crc32C(new byte[16]), VerifyHeader.StampCrc(new byte[24]));
    }

    [Theory]
    [InlineData(1, 512)]
    [InlineData(3, 4096)]
    [InlineData(4, 432)]
    [InlineData(7, 65536)]
    [InlineData(512, 4096)]
    [InlineData(600, 512)]
    public void APatternIsRepeatedFromTheFirstByteAndCheckedSo(int patternLength, int blockLength)
    {
        byte[] pattern = [.. Enumerable.Range(0, patternLength).Select(i => (byte)(0x41 + (i * 7)))];
        byte[] block = new byte[blockLength];
        VerifyHeader.WritePattern(block, pattern);

        Assert.Equal(Enumerable.Range(0, blockLength).Select(i => pattern[i % patternLength]), block);
        Assert.Null(VerifyHeader.CheckPattern(block, 8192, pattern));
        foreach (int at in (int[])[0, Math.Min(patternLength, blockLength) - 1, blockLength / 2, blockLength - 1])
        {
            block[at] ^= 0x10;
            VerifyFailure? failure = VerifyHeader.CheckPattern(block, 8192, pattern);
            Assert.NotNull(failure);
            Assert.Contains($"block offset {at}", failure.Detail, StringComparison.Ordinal);
            block[at] ^= 0x10;
        }
    }

    [Fact]
    public void SmallCrc32cIsTheCrc32cOfAnyLength()
    {
        var random = new Random(13);
        for (int length = 0; length <= 130; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(VerifyHeader.Crc32C(data), VerifyHeader.SmallCrc32C(data));
        }
    }

    [Fact]
    public void AMetaHeaderCarriesTheTimeItIsGivenAndChecksOut()
    {
        byte[] block = new byte[512];
        VerifyHeader.Write(block, 4096, 0x77, 3, PinIo.Cli.Options.VerifyKind.Meta, metaTimeNs: 1_234_567_890_123);

        // The digest field (bytes 40..72) holds meta's time.
        Assert.Equal(1_234_567_890_123, System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(block.AsSpan(40)));
        Assert.Null(VerifyHeader.Check(block, 4096, 0x77, 3, PinIo.Cli.Options.VerifyKind.Meta));
    }
}
