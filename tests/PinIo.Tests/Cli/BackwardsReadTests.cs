using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>rw=read:-8k (fio's backwards-read example): a negative skip seeks back after each I/O, wrapping to the region's end as fio's get_next_seq_offset does.</summary>
public sealed class BackwardsReadTests : PinBalancedTest
{
    [Fact]
    public void ANegativeSkip_ParsesAsASeekBack_AndARandomModeRefusesIt()
    {
        Assert.Equal(-8192, ValueParsers.ParseRw(Opt.Rw, "read:-8k").Modifier);
        Assert.Equal(8192, ValueParsers.ParseRw(Opt.Rw, "read:8k").Modifier);
        Assert.Throws<FormatException>(() => ValueParsers.ParseRw(Opt.Rw, "randread:-2"));
    }

    [Fact]
    public void ReadMinus8kWith4kBlocks_ReadsBackwardsFromTheEnd_AsFioDoes()
    {
        const long Size = 64 << 10;
        var offsets = new OffsetGenerator(Size, 4096, 4096, random: false, randomMap: false, Distribution.Uniform, modifier: -8192, seed: 1);

        long[] seen = [.. Enumerable.Range(0, 18).Select(_ => offsets.Next(4096))];

        // fio 3.33's iolog for examples/backwards-read.fio starts 0, size-8k, size-12k, ... and comes back to 0.
        long[] expected = [0, .. Enumerable.Range(0, 15).Select(k => Size - 8192 - (k * 4096L)), Size - 8192, Size - 12288];
        Assert.Equal(expected, seen);
    }
}
