using System.Text.Json;
using PinIo.Cli.Report;
using PinIo.Cli.Stats;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

public sealed class ReportTests : PinBalancedTest
{
    [Fact]
    public void TheNormalReportHasFiosKeyLinesAndThePinsLine()
    {
        var stdout = new StringWriter();
        int status = PinIo.Cli.Program.Run(["--filename=ram:8m", "--runtime=200ms"], stdout, new StringWriter());
        string report = stdout.ToString();

        Assert.Equal(0, status);
        string[] expected =
        [
            "main: (g=0): rw=randread, bs=(R) 4096B-4096B, (W) 4096B-4096B, (T) 4096B-4096B, ioengine=io_uring, iodepth=32",
            "pinio-0.1.0",
            "Starting 1 thread",
            "main: (groupid=0, jobs=1): err= 0: pid=",
            "  read: IOPS=",
            "    clat (",
            "    clat percentiles (",
            "     |  1.00th=[",
            " 99.99th=[",
            "   bw (",
            "   iops        : min=",
            "  lat (",
            "  cpu          : usr=",
            "  IO depths    : 1=",
            "     submit    : 0=",
            "     complete  : 0=",
            "     issued rwts: total=",
            "     latency   : target=0, window=0, percentile=100.00%, depth=32",
            "  pins         : pinio acquired=",
            "Run status group 0 (all jobs):",
            "   READ: bw=",
        ];
        foreach (string line in expected)
        {
            Assert.Contains(line, report, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TheJsonReportParsesAndHasFiosFields()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, PinIo.Cli.Program.Run(["--filename=ram:8m", "--runtime=200ms", "--output-format=json"], stdout, new StringWriter()));

        using JsonDocument doc = JsonDocument.Parse(stdout.ToString());
        JsonElement job = doc.RootElement.GetProperty("jobs")[0];
        JsonElement read = job.GetProperty("read");
        Assert.Equal("main", job.GetProperty("jobname").GetString());
        Assert.True(read.GetProperty("iops").GetDouble() > 0);
        Assert.Equal(read.GetProperty("total_ios").GetInt64() * 4096, read.GetProperty("io_bytes").GetInt64());
        Assert.Equal(read.GetProperty("bw_bytes").GetInt64() / 1024, read.GetProperty("bw").GetInt64());
        Assert.True(read.GetProperty("clat_ns").GetProperty("percentile").GetProperty("99.000000").GetInt64() > 0);
        Assert.True(read.GetProperty("lat_ns").GetProperty("N").GetInt64() > 0);
        Assert.Equal(0, job.GetProperty("write").GetProperty("total_ios").GetInt64());
        Assert.Equal("randread", job.GetProperty("job options").GetProperty("rw").GetString());
        Assert.True(job.TryGetProperty("usr_cpu", out _));
        Assert.True(job.GetProperty("iodepth_level").TryGetProperty("32", out _));
        Assert.True(job.GetProperty("latency_us").TryGetProperty("50", out _));
        Assert.Equal(read.GetProperty("total_ios").GetInt64(), job.GetProperty("pins").GetProperty("pinio").GetProperty("acquired").GetInt64());
    }

    [Fact]
    public void TheReportCanGoToAFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"pinio-{Guid.NewGuid():N}.txt");
        try
        {
            var stdout = new StringWriter();
            Assert.Equal(0, PinIo.Cli.Program.Run(["--filename=ram:1m", "--runtime=50ms", $"--output={path}"], stdout, new StringWriter()));
            Assert.Contains("Run status group 0", File.ReadAllText(path), StringComparison.Ordinal);
            Assert.Empty(stdout.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(625_000UL, false, "", "625k")]
    [InlineData(1234UL, false, "", "1234")]
    [InlineData(12_345UL, false, "", "12.3k")]
    [InlineData(999_999UL, false, "", "1000k")]
    [InlineData(16_777_216UL, true, "B", "16.0MiB")]
    [InlineData(16_777_216UL, false, "B", "16.8MB")]
    [InlineData(5_121_000_000UL, true, "B", "4884MiB")]
    [InlineData(2_559_000_000UL, false, "B/s", "2559MB/s")]
    [InlineData(13_800_000_000UL, true, "B", "12.9GiB")]
    public void NumbersAreShortenedAsFioDoes(ulong value, bool binary, string unit, string expected)
    {
        NumUnit units = unit switch { "B" => NumUnit.Byte, "B/s" => NumUnit.BytePerSecond, _ => NumUnit.None };
        Assert.Equal(expected, FioFormat.Num2Str(value, 4, binary, units));
    }

    [Fact]
    public void LatencyLinesPickFiosUnit()
    {
        (long min, long max, double mean, double dev) = (12_000, 6_295_000, 49_700, 53_910);
        Assert.Equal("usec", FioFormat.ScaleLatency(ref min, ref max, ref mean, ref dev));
        Assert.Equal((12, 6295), (min, max));
        (min, max, mean, dev) = (581, 5598, 1088, 674);
        Assert.Equal("nsec", FioFormat.ScaleLatency(ref min, ref max, ref mean, ref dev));
    }

    [Fact]
    public void HistogramBucketsAreWithinOnePartIn128()
    {
        for (long ns = 1; ns < 20_000_000_000; ns = (ns * 5 / 4) + 1)
        {
            long value = LatencyHistogram.ValueOf(LatencyHistogram.BucketOf(ns));
            Assert.InRange(value, ns - (ns / 128) - 1, ns + (ns / 128) + 1);
        }
        Assert.Equal(127, LatencyHistogram.BucketOf(127));
        Assert.Equal(LatencyHistogram.BucketCount - 1, LatencyHistogram.BucketOf(long.MaxValue));
    }

    [Fact]
    public void PercentilesAreTheBucketWhereTheCountReachesThem()
    {
        var histogram = new LatencyHistogram();
        for (int i = 1; i <= 100; i++)
        {
            histogram.Add(i);
        }

        Assert.Equal([1L, 50, 99, 100], histogram.Percentiles([1, 50, 99, 100]));
    }

    [Fact]
    public void RunningStatMatchesADirectComputation()
    {
        long[] values = [3, 7, 7, 19, 24, 1000];
        var stat = new RunningStat();
        var left = new RunningStat();
        var right = new RunningStat();
        foreach (long v in values)
        {
            stat.Add(v);
        }
        foreach (long v in values[..2])
        {
            left.Add(v);
        }
        foreach (long v in values[2..])
        {
            right.Add(v);
        }
        left.Merge(right);

        double mean = values.Average();
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
        Assert.Equal((3L, 1000L), (stat.Min, stat.Max));
        Assert.Equal(mean, stat.Mean, 9);
        Assert.Equal(sd, stat.StdDev, 9);
        Assert.Equal(sd, left.StdDev, 9);
    }
}
