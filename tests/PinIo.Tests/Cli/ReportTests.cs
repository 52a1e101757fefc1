using System.Text.Json;
using System.Text.RegularExpressions;
using PinIo.Cli.Runner;
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
            PinIo.Cli.Report.NormalReport.Version,
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
            "\n\nRun status group 0 (all jobs):\n",
            "   READ: bw=",
        ];
        foreach (string line in expected)
        {
            Assert.Contains(line, report, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FlushesAreReportedAsFiosSyncBlockAndJsonSyncSection()
    {
        string[] job = ["--filename=ram:1m", "--rw=write", "--bs=4k", "--size=256k", "--fsync=16", "--time_based=0", "--runtime=0"];
        var normal = new StringWriter();
        Assert.Equal(0, PinIo.Cli.Program.Run(job, normal, new StringWriter()));
        var json = new StringWriter();
        Assert.Equal(0, PinIo.Cli.Program.Run([.. job, "--output-format=json"], json, new StringWriter()));

        string report = normal.ToString();
        Assert.Contains("  fsync/fdatasync/sync_file_range:\n    sync (", report, StringComparison.Ordinal);
        Assert.Contains("    sync percentiles (", report, StringComparison.Ordinal);
        Assert.Contains("issued rwts: total=0,64,0,4 ", report, StringComparison.Ordinal);
        JsonElement sync = JsonDocument.Parse(json.ToString()).RootElement.GetProperty("jobs")[0].GetProperty("sync");
        Assert.Equal(4, sync.GetProperty("total_ios").GetInt64());
        Assert.Equal(4, sync.GetProperty("lat_ns").GetProperty("N").GetInt64());
        Assert.True(sync.GetProperty("lat_ns").GetProperty("mean").GetDouble() > 0);
        Assert.True(sync.GetProperty("lat_ns").GetProperty("percentile").GetProperty("99.000000").GetInt64() > 0);
    }

    [Fact]
    public void TheNormalReportsLinesAreFormattedAsFioFormatsThem()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, PinIo.Cli.Program.Run(["--filename=ram:8m", "--runtime=200ms", "--rw=randrw"], stdout, new StringWriter()));
        string[] lines = stdout.ToString().Split('\n');

        string[] patterns =
        [
            @"^main: \(groupid=0, jobs=1\): err= 0: pid=\d+: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$",
            @"^  read: IOPS=\d+(\.\d+)?k?, BW=[\d.]+[KMG]?iB/s \([\d.]+[kMG]?B/s\)\([\d.]+[KMG]?iB/\d+msec\)$",
            @"^  write: IOPS=\d+(\.\d+)?k?, BW=[\d.]+[KMG]?iB/s \([\d.]+[kMG]?B/s\)\([\d.]+[KMG]?iB/\d+msec\)$",
            @"^    slat \((nsec|usec|msec)\): min=[\d.]+k?, max=[\d.]+[kM]?, avg=\d+\.\d\d, stdev=\d+\.\d\d$",
            @"^    clat \((nsec|usec|msec)\): min=[\d.]+k?, max=[\d.]+[kM]?, avg=\d+\.\d\d, stdev=\d+\.\d\d$",
            @"^     lat \((nsec|usec|msec)\): min=[\d.]+k?, max=[\d.]+[kM]?, avg=\d+\.\d\d, stdev=\d+\.\d\d$",
            @"^    clat percentiles \((nsec|usec|msec)\):$",
            @"^     \|  1\.00th=\[ *\d+\],  5\.00th=\[ *\d+\], 10\.00th=\[ *\d+\],",
            @"^     \| .*99\.99th=\[ *\d+\]$",
            @"^   bw \(  [KM]iB/s\): min= *\d+, max= *\d+, per=\d+\.\d\d%, avg= *\d+\.\d\d, stdev= *\d+\.\d\d, samples=\d+$",
            @"^   iops        : min= *\d+, max= *\d+, avg= *\d+\.\d\d, stdev= *\d+\.\d\d, samples=\d+$",
            @"^  lat \((nsec|usec|msec)\)   : (\d+|>=2000)=\d+\.\d\d%",
            @"^  cpu          : usr=\d+\.\d\d%, sys=\d+\.\d\d%, ctx=\d+, majf=\d+, minf=\d+$",
            @"^  IO depths    : 1=\d+\.\d%, 2=\d+\.\d%, 4=\d+\.\d%, 8=\d+\.\d%, 16=\d+\.\d%, 32=\d+\.\d%, >=64=\d+\.\d%$",
            @"^     issued rwts: total=\d+,\d+,0,0 short=\d+,\d+,0,0 dropped=0,0,0,0$",
            @"^   READ: bw=[\d.]+[KMG]?iB/s \([\d.]+[kMG]?B/s\), [\d.]+[KMG]?iB/s-[\d.]+[KMG]?iB/s \([\d.]+[kMG]?B/s-[\d.]+[kMG]?B/s\), io=[\d.]+[KMG]?iB \([\d.]+[kMG]?B\), run=\d+-\d+msec$",
            @"^  WRITE: bw=",
        ];
        foreach (string pattern in patterns)
        {
            Assert.True(lines.Any(l => Regex.IsMatch(l, pattern)), $"no line matches {pattern} in the report:\n{stdout}");
        }
    }

    [Fact]
    public void LatPercentilesAddALatBlockAndThePrecisionFollowsTheList()
    {
        // The job asks too: only a job with lat_percentiles files its total latencies in a histogram.
        JobResult result = TestJobs.Run("--filename=ram:4m", "--runtime=60ms", "--lat_percentiles=1");
        var options = new ReportOptions { LatPercentiles = true, Percentiles = [10, 50, 99.999], PercentilePrecision = 3 };
        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build([result], _ => options);
        var output = new StringWriter();

        NormalReport.Write(output, blocks, GroupStats.From(blocks), new ReportContext());

        string report = output.ToString();
        Assert.Contains("    clat percentiles (", report, StringComparison.Ordinal);
        Assert.Contains("    lat percentiles (", report, StringComparison.Ordinal);
        Assert.Matches(@"\| 10\.000th=\[ *\d+\], 50\.000th=\[ *\d+\], 99\.999th=\[ *\d+\]\n", report);
        Assert.DoesNotContain("99.99th", report, StringComparison.Ordinal);
    }

    [Fact]
    public void ClatPercentilesCanBeTurnedOff()
    {
        JobResult result = TestJobs.Run("--filename=ram:4m", "--runtime=40ms");
        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build([result], _ => new ReportOptions { ClatPercentiles = false });
        var output = new StringWriter();

        NormalReport.Write(output, blocks, GroupStats.From(blocks), new ReportContext());

        Assert.DoesNotContain("percentiles", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("50:99", 0)]
    [InlineData("50:99.999:10", 3)]
    [InlineData("1:5:99.5", 1)]
    public void ThePercentilePrecisionIsTheListsMostDecimals(string list, int precision)
    {
        Assert.Equal(precision, ReportOptions.Precision(list));
    }

    [Fact]
    public void ReportOptionsComeFromTheJobsOptionsSortedWithFiosDefaults()
    {
        ReportOptions options = ReportOptions.From(TestJobs.Plan("--percentile_list=99.9:50:1"));

        Assert.Equal([1.0, 50, 99.9], options.Percentiles);
        Assert.Equal(1, options.PercentilePrecision);
        Assert.True(options.ClatPercentiles);
        Assert.False(options.LatPercentiles);
        Assert.False(options.GroupReporting);
        Assert.Equal(2, ReportOptions.From(TestJobs.Plan()).PercentilePrecision);
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
        for (int b = 0; b < LatencyHistogram.BucketCount - 1; b++)
        {
            Assert.Equal(b, LatencyHistogram.BucketOf(LatencyHistogram.LowerBound(b)));
            Assert.Equal(b, LatencyHistogram.BucketOf(LatencyHistogram.UpperBound(b) - 1));
            Assert.InRange(LatencyHistogram.ValueOf(b), LatencyHistogram.LowerBound(b), LatencyHistogram.UpperBound(b) - 1);
        }
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
