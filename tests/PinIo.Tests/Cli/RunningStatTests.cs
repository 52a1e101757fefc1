using PinIo.Cli.Stats;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>RunningStat keeps exact shifted sums per sample and works the mean and deviation out when read.</summary>
public sealed class RunningStatTests : PinBalancedTest
{
    [Fact]
    public void LargeValuesCloseTogetherKeepTheirDeviation()
    {
        // Raw sums of squares of values near 1e15 lose every digit of a spread of a few units.
        long[] values = [1_000_000_000_000_007, 1_000_000_000_000_001, 1_000_000_000_000_009, 1_000_000_000_000_003];
        var stat = new RunningStat();
        foreach (long v in values)
        {
            stat.Add(v);
        }
        Assert.Equal(1_000_000_000_000_005.0, stat.Mean);
        Assert.Equal(Math.Sqrt(40.0 / 3), stat.StdDev, 12);
        Assert.Equal((1_000_000_000_000_001L, 1_000_000_000_000_009L, 4L), (stat.Min, stat.Max, stat.Samples));
    }

    [Fact]
    public void DistancesEitherSideOf2To32KeepTheExactSumOfSquares()
    {
        // A distance up to 2^32 - 1 squares in 64 bits; one past it needs the 128-bit product.
        long first = 1L << 40;
        long[] distances = [0, 1, uint.MaxValue, -(long)uint.MaxValue, (long)uint.MaxValue + 1, -((long)uint.MaxValue + 1), 3L << 40, -(3L << 40)];
        var stat = new RunningStat();
        foreach (long d in distances)
        {
            stat.Add(first + d);
        }
        decimal mean = distances.Sum(d => (decimal)d) / distances.Length;
        decimal squares = distances.Sum(d => ((decimal)d - mean) * ((decimal)d - mean));
        Assert.Equal((double)(first + mean), stat.Mean, 6);
        Assert.Equal(Math.Sqrt((double)(squares / (distances.Length - 1))), stat.StdDev, 3);
    }

    [Fact]
    public void SamplesAddedAfterAMergeCountWithTheMergedOnes()
    {
        var random = new Random(3);
        long[] values = Enumerable.Range(0, 5000).Select(_ => random.NextInt64(0, 5_000_000_000)).ToArray();
        var merged = new RunningStat();
        var other = new RunningStat();
        foreach (long v in values[..1000])
        {
            merged.Add(v);
        }
        foreach (long v in values[1000..3000])
        {
            other.Add(v);
        }
        merged.Merge(other);
        foreach (long v in values[3000..])
        {
            merged.Add(v);
        }
        RunningStat copy = merged.Clone();

        double mean = values.Average(v => (double)v);
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        foreach (RunningStat stat in (RunningStat[])[merged, copy])
        {
            Assert.Equal(values.Length, stat.Samples);
            Assert.Equal(mean, stat.Mean, 3);
            Assert.Equal(sd, stat.StdDev, 3);
            Assert.Equal((values.Min(), values.Max()), (stat.Min, stat.Max));
        }
    }
}
