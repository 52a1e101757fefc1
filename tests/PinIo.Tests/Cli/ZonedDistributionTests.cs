using PinIo.Block;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// random_distribution=zoned / zoned_abs (fio's zone_split): each zone gets its share of the
/// random I/O, uniformly inside it, the zones laid out from the region's start.
/// </summary>
public sealed class ZonedDistributionTests : PinBalancedTest
{
    [Fact]
    public void Zoned_PutsEachZonesShareOfTheDrawsInsideIt()
    {
        Distribution zoned = ValueParsers.ParseDistribution("zoned:50/5:30/15:20/");
        const long N = 100_000;
        var index = new SkewedIndex(zoned, N, seed: 7);
        int[] inZone = new int[3];
        const int Draws = 200_000;
        for (int i = 0; i < Draws; i++)
        {
            long at = index.Next();
            Assert.InRange(at, 0, N - 1);
            inZone[at < 5_000 ? 0 : at < 20_000 ? 1 : 2]++;
        }

        Assert.InRange(inZone[0] / (double)Draws, 0.49, 0.51);
        Assert.InRange(inZone[1] / (double)Draws, 0.29, 0.31);
        Assert.InRange(inZone[2] / (double)Draws, 0.19, 0.21);
    }

    [Fact]
    public void ZonedAbs_TakesSpansInBytes_AndTheEmptyLastSpanIsTheRest()
    {
        Distribution zoned = ValueParsers.ParseDistribution("zoned_abs:60/1m:40/");
        const long Grains = 4096; // 16 MiB of 4 KiB grains
        var index = new SkewedIndex(zoned, Grains, seed: 11, unit: 4096);
        int first = 0, rest = 0;
        for (int i = 0; i < 100_000; i++)
        {
            long at = index.Next();
            if (at < 256)
            {
                first++;
            }
            else
            {
                rest++;
                Assert.InRange(at, 256, Grains - 1);
            }
        }

        Assert.InRange(first / 100_000.0, 0.59, 0.61);
        Assert.InRange(rest / 100_000.0, 0.39, 0.41);
    }

    [Fact]
    public void AZonePastTheRegion_GivesItsShareToTheZonesBeforeIt()
    {
        Distribution zoned = ValueParsers.ParseDistribution("zoned_abs:50/4m:50/1g");
        var index = new SkewedIndex(zoned, 2048, seed: 3, unit: 4096); // an 8 MiB region
        int first = 0;
        for (int i = 0; i < 50_000; i++)
        {
            long at = index.Next();
            Assert.InRange(at, 0, 2047);
            first += at < 1024 ? 1 : 0;
        }

        // The second zone is clipped to the 4 MiB left; both keep their half.
        Assert.InRange(first / 50_000.0, 0.48, 0.52);
    }

    [Fact]
    public void AZonedJob_LandsHalfItsReadsInTheFirstTwentiethOfTheRegion()
    {
        (var result, var bios) = TestJobs.RunRecording("--filename=ram:16m", "--rw=randread", "--bs=4k", "--norandommap",
            "--random_distribution=zoned:50/5:30/15:20/", "--io_size=8m", "--ioengine=psync");

        Assert.True(result.Error == 0, result.ErrorText);
        var reads = bios.Where(b => b.Op == BioOp.Read).ToList();
        Assert.Equal(result.Stats.Read.TotalIos, reads.Count);
        double hot = reads.Count(b => b.Position < (16L << 20) / 20) / (double)reads.Count;
        Assert.InRange(hot, 0.44, 0.56);
    }
}
