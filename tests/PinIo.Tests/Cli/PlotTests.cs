using System.Xml.Linq;
using PinIo.Cli.Plot;
using PinIo.Cli.Report;
using PinIo.Cli.Runner;
using PinIo.Cli.Stats;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>--lat-plot: a well-formed SVG with one series per job and direction, its percentiles marked, axes and a legend.</summary>
public sealed class PlotTests : PinBalancedTest
{
    private static readonly XNamespace s_svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void TheSvgIsWellFormedWithOneSeriesPerJobAndDirection()
    {
        JobResult mixed = TestJobs.Run("--filename=ram:4m", "--runtime=60ms", "--rw=randrw");
        JobResult reader = TestJobs.Run("--filename=ram:4m", "--runtime=60ms", "--name=reader", "--rw=randread", "--ioengine=io_uring", "--iodepth=8");
        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build([mixed, reader]);

        XDocument doc = XDocument.Parse(LatencyPlot.Svg(PlotSeries.From(blocks)));

        Assert.Equal(s_svg + "svg", doc.Root!.Name);
        XElement[] series = [.. doc.Descendants(s_svg + "g").Where(g => (string?)g.Attribute("class") == "series")];
        Assert.Equal(["main read", "main write", "reader read"], series.Select(g => $"{g.Attribute("data-job")!.Value} {g.Attribute("data-dir")!.Value}"));
        foreach (XElement s in series)
        {
            Assert.Equal(2, s.Elements(s_svg + "path").Count());
            Assert.Equal(["p50", "p99", "p99.9"], s.Elements(s_svg + "line").Select(l => l.Attribute("data-p")!.Value));
        }
        XElement[] tails = [.. doc.Descendants(s_svg + "path").Where(p => (string?)p.Attribute("class") == "exceedance")];
        Assert.Equal(series.Length, tails.Length);
        Assert.Equal(3, doc.Descendants(s_svg + "line").Count(l => (string?)l.Attribute("class") == "guide"));
        string[] texts = [.. doc.Descendants(s_svg + "text").Select(t => t.Value)];
        Assert.Contains("completion latency (log scale)", texts);
        Assert.Contains(texts, t => t.StartsWith("I/Os in bin", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.StartsWith("main read · ", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.StartsWith("p50 ", StringComparison.Ordinal) && t.Contains("p99.9 ", StringComparison.Ordinal));
        Assert.Single(doc.Descendants(s_svg + "g"), g => (string?)g.Attribute("class") == "legend");
    }

    [Fact]
    public void GroupReportedJobsAreOneSeries()
    {
        JobResult a = TestJobs.Run("--filename=ram:4m", "--runtime=30ms");
        JobResult b = TestJobs.Run("--filename=ram:4m", "--runtime=30ms");
        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build([a, b], _ => new ReportOptions { GroupReporting = true });

        PlotSeries series = Assert.Single(PlotSeries.From(blocks));

        Assert.Equal("main (2 jobs)", series.Job);
        Assert.Equal(a.Stats.Read.TotalIos + b.Stats.Read.TotalIos, series.Histogram.Count);
    }

    [Fact]
    public void TheBinsOfASeriesHoldAllItsIos()
    {
        var histogram = new LatencyHistogram();
        foreach (long ns in (long[])[900, 1_500, 20_000, 20_500, 250_000, 3_000_000])
        {
            histogram.Add(ns);
        }
        var series = new PlotSeries("j", "read", histogram);
        (double lo, double hi) = LatencyPlot.Range([series]);

        double[] shares = LatencyPlot.Bin(histogram, lo, hi);

        Assert.True(lo <= Math.Log10(900) && hi >= Math.Log10(3_000_000), $"{lo}..{hi}");
        Assert.Equal(100.0, shares.Sum(), 9);
        Assert.Equal((int)Math.Round((hi - lo) * LatencyPlot.BinsPerDecade), shares.Length);
    }

    [Theory]
    [InlineData(850, "850 ns")]
    [InlineData(84_480, "84.5 µs")]
    [InlineData(3_457_024, "3.46 ms")]
    [InlineData(1_200_000_000, "1.20 s")]
    public void LatenciesAreNamedInTheUnitThatFits(double ns, string expected)
    {
        Assert.Equal(expected, LatencyPlot.Latency(ns));
    }

    [Fact]
    public void LatPlotWritesTheFileFromTheCommandLine()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pinio-plot-{Guid.NewGuid():N}.svg");
        try
        {
            var stderr = new StringWriter();
            Assert.True(PinIo.Cli.Program.Run(["--filename=ram:4m", "--runtime=50ms", $"--lat-plot={path}"], new StringWriter(), stderr) == 0, stderr.ToString());

            XDocument doc = XDocument.Load(path);
            Assert.Single(doc.Descendants(s_svg + "g"), g => (string?)g.Attribute("class") == "series");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AnEmptyRunStillDrawsAPicture()
    {
        XDocument doc = XDocument.Parse(LatencyPlot.Svg([]));
        Assert.Contains(doc.Descendants(s_svg + "text"), t => t.Value == "no I/O completed");
    }
}
