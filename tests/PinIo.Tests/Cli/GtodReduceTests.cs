using System.Text.Json;
using PinIo.Cli.Report;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>fio's gtod_reduce and disable_lat/clat/slat/bw_measurement: latencies and samples not measured, not printed, totals still exact.</summary>
public sealed class GtodReduceTests : PinBalancedTest
{
    [Fact]
    public void GtodReduceLeavesNoLatencyOrSampleLinesInTheNormalReport()
    {
        JobResult result = TestJobs.Run([.. TestJobs.ExactReads, "--gtod_reduce=1"]);

        string report = TestJobs.NormalReport(result);

        Assert.Contains("read: IOPS=", report, StringComparison.Ordinal);
        Assert.DoesNotContain("slat", report, StringComparison.Ordinal);
        Assert.DoesNotContain("clat", report, StringComparison.Ordinal);
        Assert.DoesNotContain(" lat (", report, StringComparison.Ordinal);
        Assert.DoesNotContain("percentiles", report, StringComparison.Ordinal);
        Assert.DoesNotContain("bw (", report, StringComparison.Ordinal);
        Assert.DoesNotContain("iops        :", report, StringComparison.Ordinal);
        Assert.Equal(TestJobs.ExactReadIos, result.Stats.Read.TotalIos);
    }

    [Fact]
    public void WithoutGtodReduceTheSameJobPrintsItsLatencies()
    {
        string report = TestJobs.NormalReport(TestJobs.Run(TestJobs.ExactReads));

        Assert.Contains("slat", report, StringComparison.Ordinal);
        Assert.Contains("clat percentiles", report, StringComparison.Ordinal);
        Assert.Contains(" lat (", report, StringComparison.Ordinal);
    }

    [Fact]
    public void GtodReduceKeepsTheJsonObjectsWithZeroSamplesAndExactTotals()
    {
        JobResult result = TestJobs.Run([.. TestJobs.ExactReads, "--gtod_reduce=1"]);
        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build([result]);
        var output = new StringWriter();

        JsonReport.Write(output, blocks, GroupStats.From(blocks), new ReportContext(), plus: false);

        using JsonDocument doc = JsonDocument.Parse(output.ToString());
        JsonElement read = doc.RootElement.GetProperty("jobs")[0].GetProperty("read");
        Assert.Equal(0, read.GetProperty("clat_ns").GetProperty("N").GetInt64());
        Assert.Equal(0, read.GetProperty("slat_ns").GetProperty("N").GetInt64());
        Assert.Equal(0, read.GetProperty("lat_ns").GetProperty("N").GetInt64());
        Assert.False(read.GetProperty("clat_ns").TryGetProperty("percentile", out _));
        Assert.Equal(0, read.GetProperty("bw_samples").GetInt64());
        Assert.Equal(TestJobs.ExactReadIos, read.GetProperty("total_ios").GetInt64());
        Assert.Equal(16L << 20, read.GetProperty("io_bytes").GetInt64());
        Assert.True(read.GetProperty("bw").GetInt64() > 0);
    }

    [Fact]
    public void DisableClatAloneKeepsTheTotalLatency()
    {
        JobResult result = TestJobs.Run([.. TestJobs.ExactReads, "--disable_clat=1"]);

        string report = TestJobs.NormalReport(result);

        Assert.DoesNotContain("clat", report, StringComparison.Ordinal);
        Assert.Contains(" lat (", report, StringComparison.Ordinal);
        Assert.Contains("slat", report, StringComparison.Ordinal);
        Assert.Equal(TestJobs.ExactReadIos, result.Stats.Read.Lat.Samples);
    }

    [Fact]
    public void DisableBwMeasurementTakesNoSamples()
    {
        JobResult result = TestJobs.Run([.. TestJobs.ExactReads, "--disable_bw=1"]);

        Assert.Equal(0, result.Stats.Read.Bw.Samples);
        Assert.Equal(0, result.Stats.Read.Iops.Samples);
        Assert.Equal(TestJobs.ExactReadIos, result.Stats.Read.Clat.Samples);
    }
}
