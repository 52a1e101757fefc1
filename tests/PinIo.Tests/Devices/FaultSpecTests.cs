using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary><see cref="FaultSpec"/>: the text form pinio's faulty: targets use, each setting and each mistake.</summary>
public sealed class FaultSpecTests : PinBalancedTest
{
    [Fact]
    public void EveryPart_Parses()
    {
        FaultOptions o = FaultSpec.Parse(
            "flakey,up=90io,down=10io,corrupt_bio_byte=random,corrupt_rw=r,corrupt_value=7" +
            "+dust,bad=8,bad=100-102,blksz=4096,write_fail=2,disabled+delay,read=5,write=2ms,flush=1s+powercut,early=0.25+seed=42+log=/tmp/x.log");

        Assert.Equal(FaultInterval.Count(90), o.Flakey!.Up);
        Assert.Equal(FaultInterval.Count(10), o.Flakey.Down);
        Assert.Equal(new CorruptOptions { Byte = 0, Writes = false, Value = 7 }, o.Flakey.Corrupt);
        Assert.Equal([8L, 100L, 101L, 102L], o.Dust!.BadBlocks);
        Assert.Equal(4096, o.Dust.BlockSize);
        Assert.Equal(2, o.Dust.WriteFailures);
        Assert.False(o.Dust.Enabled);
        Assert.Equal(TimeSpan.FromMilliseconds(5), o.Delay!.Read);
        Assert.Equal(TimeSpan.FromMilliseconds(2), o.Delay.Write);
        Assert.Equal(TimeSpan.FromSeconds(1), o.Delay.Flush);
        Assert.Equal(0.25, o.PowerCut!.EarlyWriteBack);
        Assert.Equal(42UL, o.Seed);
        Assert.Equal("/tmp/x.log", o.LogPath);
    }

    [Theory]
    [InlineData("flakey,up=5,down=1", 5000, 1000)]
    [InlineData("flakey,up=200ms,down=1.5s", 200, 1500)]
    public void FlakeyTimes_AreSecondsByDefault(string spec, int upMs, int downMs)
    {
        FlakeyOptions f = FaultSpec.Parse(spec).Flakey!;

        Assert.Equal(FaultInterval.Time(TimeSpan.FromMilliseconds(upMs)), f.Up);
        Assert.Equal(FaultInterval.Time(TimeSpan.FromMilliseconds(downMs)), f.Down);
        Assert.Equal(FlakeyWrites.Default, f.Writes);
    }

    [Theory]
    [InlineData("", "empty fault spec")]
    [InlineData("flaky", "expected flakey, dust")]
    [InlineData("flakey,sideways", "unknown setting 'sideways'")]
    [InlineData("flakey,up=1io,down=2", "both be times or both be bio counts")]
    [InlineData("flakey,up=0io,down=0io", "cannot both be zero")]
    [InlineData("flakey,drop_writes,corrupt_bio_byte=1", "conflicts with drop_writes")]
    [InlineData("flakey,corrupt_rw=x", "expected r or w")]
    [InlineData("flakey,corrupt_bio_byte=0", "must be positive")]
    [InlineData("flakey,corrupt_value=256", "not a number")]
    [InlineData("flakey,up", "up needs a value")]
    [InlineData("dust,bad=9-3", "B <= E")]
    [InlineData("dust,blksz=1000", "multiple of 512")]
    [InlineData("delay,read=-1", "a time from 0 to a day")]
    [InlineData("delay,read=NaN", "a time from 0 to a day")]
    [InlineData("delay,sideways=1", "unknown setting 'sideways'")]
    [InlineData("powercut,early=2", "a chance from 0 to 1")]
    [InlineData("seed=x", "not a number")]
    public void Mistakes_AreFormatExceptionsSayingWhatToChange(string spec, string named)
    {
        var e = Assert.Throws<FormatException>(() => FaultSpec.Parse(spec));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }
}
