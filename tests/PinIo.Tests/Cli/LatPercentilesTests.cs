using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// fio's lat_percentiles: total latencies are filed in a histogram — and their percentiles
/// reported — only by a job that asks; otherwise the histogram stays empty, as fio keeps none
/// (add_lat_sample), while the total latency's own line and the clat percentiles stay.
/// </summary>
public sealed class LatPercentilesTests : PinBalancedTest
{
    [Fact]
    public void AJobWithLatPercentiles_FilesEveryTotalLatency_AndReportsTheirPercentiles()
    {
        JobResult result = TestJobs.Run([.. TestJobs.ExactReads, "--lat_percentiles=1"]);

        Assert.Equal(TestJobs.ExactReadIos, result.Stats.Read.LatHistogram.Count);
        Assert.Equal(TestJobs.ExactReadIos, result.Stats.Read.ClatHistogram.Count);
        Assert.Contains("    lat percentiles (", TestJobs.NormalReport(result), StringComparison.Ordinal);
    }

    [Fact]
    public void AJobWithout_KeepsNoTotalLatencyHistogram_ButItsLatencyLineAndClatPercentiles()
    {
        JobResult result = TestJobs.Run(TestJobs.ExactReads);

        Assert.Equal(0, result.Stats.Read.LatHistogram.Count);
        Assert.Equal(TestJobs.ExactReadIos, result.Stats.Read.Lat.Samples);
        Assert.Equal(TestJobs.ExactReadIos, result.Stats.Read.ClatHistogram.Count);
        string report = TestJobs.NormalReport(result);
        Assert.Contains("clat percentiles (", report, StringComparison.Ordinal);
        Assert.Contains(" lat (", report, StringComparison.Ordinal);
        Assert.DoesNotContain("    lat percentiles (", report, StringComparison.Ordinal);
    }
}
