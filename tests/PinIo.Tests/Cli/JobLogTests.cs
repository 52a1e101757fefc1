using System.Text.Json;
using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Logs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Cli.Stats;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// write_lat_log, write_bw_log and write_iops_log: the files fio would name, lines in fio's
/// format (time, value, ddir, bs, [offset,] prio), and what the lines say checked against the
/// job's own report: one line per I/O with log_avg_msec=0, one line per direction and window
/// with log_avg_msec=N.
/// </summary>
public sealed class JobLogTests : PinBalancedTest
{
    /// <summary>A job with submission latencies to log: its I/Os complete on the RAM disk's thread-pool workers.</summary>
    private static readonly string[] s_randrwForOneSecond =
        ["--filename=ram:64m", "--rw=randrw", "--bs=4k", "--ioengine=io_uring", "--iodepth=8", "--fixedbufs", "--runtime=1s", "--time_based"];

    /// <summary>
    /// A job whose I/Os complete in their calls, on the job thread: the windows are timed by its
    /// completions, which then cannot wait on a thread pool that other tests keep busy.
    /// </summary>
    private static readonly string[] s_inlineRandrwForOneSecond = [.. s_randrwForOneSecond, "--ioengine=psync", "--iodepth=1"];

    private readonly string _directory = Directory.CreateTempSubdirectory("pinio-logs-").FullName;

    [Fact]
    public void WriteLatLogNamesTheTotalCompletionAndSubmissionLogsByJobNumber()
    {
        LogPlan logs = TestJobs.Plan("--write_lat_log=foo").Logs;

        Assert.Equal(("foo_lat.1.log", "foo_clat.1.log", "foo_slat.1.log"), (logs.LatPath, logs.ClatPath, logs.SlatPath));
        Assert.Null(logs.BwPath);
        Assert.Null(logs.IopsPath);
    }

    [Fact]
    public void ALogOptionWithoutAPrefixUsesTheJobsName()
    {
        JobPlan plan = TestJobs.Plan("--write_bw_log", "--write_iops_log=", "--filename=ram:1m");

        Assert.Equal(("main_bw.1.log", "main_iops.1.log"), (plan.Logs.BwPath, plan.Logs.IopsPath));
        Assert.Null(plan.Logs.LatPath);
    }

    [Fact]
    public void ABareLogOptionInAJobFileUsesTheJobsName()
    {
        IReadOnlyList<JobOptions> jobs = JobFile.Parse(
            "[reader]\nfilename=ram:1m\nwrite_lat_log\nlog_avg_msec=250\nlog_max_value=2\nlog_offset=1\n",
            "logs.fio", new JobOptions(), stonewallFirstJob: false, _ => null, _ => throw new IOException("no includes here"));
        LogPlan logs = JobPlan.Resolve(new JobSet(new JobOptions(), jobs))[0].Logs;

        Assert.Equal("reader_lat.1.log", logs.LatPath);
        Assert.Equal((250, WindowValue.MeanAndMax, true, false), (logs.AvgMsec, logs.WindowValue, logs.Offsets, logs.Append));
    }

    [Fact]
    public void LogsAreNumberedByThreadAcrossJobsAndClonesUnlessPerJobLogsIsOff()
    {
        IReadOnlyList<JobPlan> plans = JobPlan.Resolve(CommandLineJobs.Parse(
            ["--filename=ram:1m", "--write_iops_log=x", "--name=a", "--numjobs=2", "--name=b", "--name=c", "--per_job_logs=0"],
            new JobOptions()));

        Assert.Equal(["x_iops.1.log", "x_iops.2.log", "x_iops.3.log", "x_iops.log"], plans.Select(p => p.Logs.IopsPath));
        Assert.Equal([false, false, false, true], plans.Select(p => p.Logs.Append));
    }

    [Theory]
    [InlineData("--log_max_value=3")]
    [InlineData("--log_avg_msec=-1")]
    [InlineData("--log_offset=2")]
    [InlineData("--per_job_logs=maybe")]
    public void LogOptionsOutsideFiosRangesAreRefused(string option)
    {
        var stderr = new StringWriter();

        Assert.Equal(1, PinIo.Cli.Program.Run(["--filename=ram:1m", option], new StringWriter(), stderr));
        Assert.StartsWith($"pinio: failed parsing {option[2..]}", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutLogAvgMsecEveryIoHasALineAndTheLinesAgreeWithTheReport()
    {
        string prefix = Path.Combine(_directory, "run");

        JobResult result = TestJobs.Run([.. s_randrwForOneSecond, $"--write_lat_log={prefix}", $"--write_bw_log={prefix}", $"--write_iops_log={prefix}"]);

        JobStats stats = result.Stats;
        Assert.Equal(0, result.Error);
        Assert.True(stats.Read.TotalIos > 1000 && stats.Write.TotalIos > 1000, $"too few I/Os to judge: {stats.Read.TotalIos} reads, {stats.Write.TotalIos} writes");
        long[][] lat = ReadLog($"{prefix}_lat.1.log", columns: 5);
        long[][] clat = ReadLog($"{prefix}_clat.1.log", columns: 5);
        long[][] slat = ReadLog($"{prefix}_slat.1.log", columns: 5);
        long[][] bw = ReadLog($"{prefix}_bw.1.log", columns: 5);
        long[][] iops = ReadLog($"{prefix}_iops.1.log", columns: 5);
        foreach (long[][] log in new[] { lat, clat, bw, iops })
        {
            Assert.Equal(stats.TotalIos, log.Length);
            Assert.Equal(stats.Read.TotalIos, log.Count(line => line[2] == 0));
            Assert.Equal(stats.Write.TotalIos, log.Count(line => line[2] == 1));
            Assert.All(log, line => Assert.Equal((4096L, 0L), (line[3], line[4])));
            Assert.All(log, line => Assert.InRange(line[0], 0, result.RuntimeMs + 10));
        }
        AssertSameValues(stats, s => s.Lat, lat);
        AssertSameValues(stats, s => s.Clat, clat);
        AssertSameValues(stats, s => s.Slat, slat);
        // One I/O's bandwidth is its bytes over its completion latency (fio's add_bw_sample), line for line.
        for (int i = 0; i < bw.Length; i++)
        {
            Assert.Equal((clat[i][0], clat[i][2]), (bw[i][0], bw[i][2]));
            Assert.Equal(clat[i][1] > 0 ? 4096L * 1_000_000 / clat[i][1] : 0, bw[i][1]);
        }
        Assert.All(iops, line => Assert.Equal(1, line[1]));
    }

    [Fact]
    public void LogOffsetGivesEachLineTheOffsetOfItsIo()
    {
        string prefix = Path.Combine(_directory, "offsets");

        (JobResult result, var bios) = TestJobs.RunRecording(
            "--filename=ram:4m", "--rw=randrw", "--ioengine=psync", "--iodepth=1", "--time_based=0", "--runtime=0", "--fixedbufs",
            $"--write_lat_log={prefix}", "--log_offset=1");

        long[][] lat = ReadLog($"{prefix}_lat.1.log", columns: 6);
        Assert.Equal(1024, result.Stats.TotalIos);
        Assert.Equal(
            bios.Select(b => (b.Op == BioOp.Write ? 1L : 0L, b.Position)).Order(),
            lat.Select(line => (line[2], line[4])).Order());
        // psync completes each I/O in its call: no submission latency, an empty slat log as fio's.
        Assert.Empty(ReadLog($"{prefix}_slat.1.log", columns: 6));
    }

    [Fact]
    public void RampTimeIsNotLogged()
    {
        string prefix = Path.Combine(_directory, "ramp");

        JobResult result = TestJobs.Run([.. s_randrwForOneSecond, "--runtime=300ms", "--ramp_time=300ms", $"--write_lat_log={prefix}"]);

        long[][] lat = ReadLog($"{prefix}_lat.1.log", columns: 5);
        Assert.Equal(result.Stats.TotalIos, lat.Length);
        Assert.All(lat, line => Assert.InRange(line[0], 0, result.RuntimeMs + 10));
    }

    [Fact]
    public void WithLogAvgMsecEachDirectionGetsALinePerWindowOfItsMeanAndMaximum()
    {
        string prefix = Path.Combine(_directory, "windows");

        JobResult result = TestJobs.Run(
            [.. s_inlineRandrwForOneSecond, $"--write_lat_log={prefix}", "--log_avg_msec=100", "--log_max_value=2"]);

        long[][] lat = ReadLog($"{prefix}_lat.1.log", columns: 6);
        foreach (IoDir dir in new[] { IoDir.Read, IoDir.Write })
        {
            long[][] windows = [.. lat.Where(line => line[3] == (long)dir)];
            RunningStat reported = result.Stats[dir].Lat;
            Assert.All(windows, line => Assert.Equal((0L, 0L), (line[4], line[5])));
            Assert.All(windows, line => Assert.InRange(line[1], reported.Min, line[2]));
            // Every I/O lies in one window: the largest window maximum is the job's maximum, and
            // the job's mean, a weighted mean of the windows' means, lies between the smallest and the largest.
            Assert.Equal(reported.Max, windows.Max(line => line[2]));
            Assert.InRange(reported.Mean, windows.Min(line => line[1]) - 1, windows.Max(line => line[1]) + 1);
            AssertWindowsStepBy(100, windows);
        }
    }

    [Fact]
    public void WithLogAvgMsecBandwidthAndIopsAreTheRatesOfEachWindow()
    {
        string prefix = Path.Combine(_directory, "rates");

        JobResult result = TestJobs.Run([.. s_inlineRandrwForOneSecond, $"--write_bw_log={prefix}", $"--write_iops_log={prefix}", "--log_avg_msec=100"]);

        long[][] bw = ReadLog($"{prefix}_bw.1.log", columns: 5);
        long[][] iops = ReadLog($"{prefix}_iops.1.log", columns: 5);
        foreach (IoDir dir in new[] { IoDir.Read, IoDir.Write })
        {
            DirStats reported = result.Stats[dir];
            long[][] bwWindows = [.. bw.Where(line => line[2] == (long)dir)];
            long[][] iopsWindows = [.. iops.Where(line => line[2] == (long)dir)];
            AssertWindowsStepBy(100, bwWindows);
            Assert.Equal(bwWindows.Select(line => line[0]), iopsWindows.Select(line => line[0]));
            // A rate times its window is what the window moved; the windows cover all but the
            // time after the last one (under 100 ms of the second), less the rounding down of each rate.
            double bytes = Integrate(bwWindows) * 1024 / 1000;
            double ios = Integrate(iopsWindows) / 1000;
            Assert.InRange(bytes / reported.IoBytes, 0.85, 1.0);
            Assert.InRange(ios / reported.TotalIos, 0.85, 1.0);
            Assert.All(bwWindows, line => Assert.Equal((0L, 0L), (line[3], line[4])));
        }
    }

    [Fact]
    public void TheProgramWritesEachJobsLogsAndPerJobLogsOffAppendsThemToOneFile()
    {
        string numbered = Path.Combine(_directory, "numbered");
        string shared = Path.Combine(_directory, "shared");
        var stdout = new StringWriter();

        int status = PinIo.Cli.Program.Run(
            ["--filename=ram:8m", "--rw=randread", "--ioengine=psync", "--runtime=200ms", "--time_based", "--output-format=json",
             $"--write_iops_log={numbered}", "--name=a", "--name=b", "--name=c", $"--write_iops_log={shared}", "--per_job_logs=0", "--numjobs=2"],
            stdout, new StringWriter());

        Assert.Equal(0, status);
        using JsonDocument report = JsonDocument.Parse(stdout.ToString());
        long[] ios = [.. report.RootElement.GetProperty("jobs").EnumerateArray().Select(job => job.GetProperty("read").GetProperty("total_ios").GetInt64())];
        Assert.Equal(4, ios.Length);
        Assert.Equal(ios[0], ReadLog($"{numbered}_iops.1.log", columns: 5).Length);
        Assert.Equal(ios[1], ReadLog($"{numbered}_iops.2.log", columns: 5).Length);
        Assert.Equal(ios[2] + ios[3], ReadLog($"{shared}_iops.log", columns: 5).Length);
        Assert.False(File.Exists($"{numbered}_iops.3.log"));
    }

    [Fact]
    public void OnAPolledRingTheSlatLogHasEachIoStampedWhenItsCommitReturned()
    {
        string prefix = Path.Combine(_directory, "polled");
        string file = Path.Combine(_directory, "data");
        var stdout = new StringWriter();

        int status = PinIo.Cli.Program.Run(
            [$"--filename={file}", "--size=4m", "--rw=randread", "--ioengine=io_uring", "--iodepth=4", "--direct=1", "--runtime=300ms", "--time_based",
             "--output-format=json", $"--write_lat_log={prefix}"],
            stdout, new StringWriter());

        Assert.Equal(0, status);
        JsonElement read = JsonDocument.Parse(stdout.ToString()).RootElement.GetProperty("jobs")[0].GetProperty("read");
        long[][] slat = ReadLog($"{prefix}_slat.1.log", columns: 5);
        Assert.Equal(read.GetProperty("total_ios").GetInt64(), slat.Length);
        // The commit's io_uring_enter is inside every slat: none is zero.
        Assert.All(slat, line => Assert.True(line[1] > 0, $"a zero slat: {string.Join(", ", line)}"));
        Assert.Equal(read.GetProperty("slat_ns").GetProperty("mean").GetDouble(), slat.Average(line => (double)line[1]), 0);
    }

    [Fact]
    public void ALogThatCannotBeOpenedStopsTheRunAndNamesTheFile()
    {
        string prefix = Path.Combine(_directory, "missing", "x");
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run(["--filename=ram:1m", "--runtime=100ms", $"--write_lat_log={prefix}"], new StringWriter(), stderr);

        Assert.Equal(1, status);
        Assert.Contains($"pinio: job 'main': cannot write the log {prefix}_lat.1.log", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ALogThatCannotBeWrittenFailsTheJobAndNamesTheFile()
    {
        string prefix = Path.Combine(_directory, "full");
        // Every write to /dev/full fails with ENOSPC.
        File.CreateSymbolicLink($"{prefix}_iops.1.log", "/dev/full");

        JobResult result = TestJobs.Run("--filename=ram:1m", "--rw=randread", "--ioengine=psync", "--fixedbufs", "--time_based=0", "--runtime=0", $"--write_iops_log={prefix}");

        Assert.NotEqual(0, result.Error);
        Assert.StartsWith($"write_iops_log: cannot write {prefix}_iops.1.log: ", result.ErrorText, StringComparison.Ordinal);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Directory.Delete(_directory, recursive: true);
        }
        base.Dispose(disposing);
    }

    /// <summary>Reads a log, checking every line is fio's: <paramref name="columns"/> integers separated by ", ", prio 0 last.</summary>
    private static long[][] ReadLog(string path, int columns)
    {
        string[] lines = File.ReadAllLines(path);
        var parsed = new long[lines.Length][];
        for (int i = 0; i < lines.Length; i++)
        {
            string[] fields = lines[i].Split(", ");
            Assert.True(fields.Length == columns, $"{path} line {i + 1} has {fields.Length} fields, not {columns}: '{lines[i]}'");
            parsed[i] = [.. fields.Select(f => long.Parse(f, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture))];
            Assert.True(parsed[i][^1] == 0, $"{path} line {i + 1}: prio is not 0: '{lines[i]}'");
        }
        return parsed;
    }

    /// <summary>The per-I/O values of a latency log are the job's samples: same count, minimum, maximum and mean, per direction.</summary>
    private static void AssertSameValues(JobStats stats, Func<DirStats, RunningStat> pick, long[][] log)
    {
        foreach (IoDir dir in new[] { IoDir.Read, IoDir.Write })
        {
            RunningStat reported = pick(stats[dir]);
            long[] values = [.. log.Where(line => line[2] == (long)dir).Select(line => line[1])];
            Assert.Equal(reported.Samples, values.Length);
            Assert.Equal((reported.Min, reported.Max), (values.Min(), values.Max()));
            Assert.Equal(reported.Mean, values.Average(), reported.Mean * 1e-9);
        }
    }

    /// <summary>
    /// One direction's windowed lines over the one-second job: at most one per window boundary
    /// and one for the partial window at the end, in time order, most of them a window apart.
    /// A stall of the job thread may merge windows or leave a short one, so only the median step
    /// is held to the window.
    /// </summary>
    private static void AssertWindowsStepBy(long windowMs, long[][] windows)
    {
        long[] times = [.. windows.Select(line => line[0])];
        long[] steps = [.. times.Zip(times.Skip(1), (a, b) => b - a)];
        string shown = string.Join(' ', times);
        Assert.True(times.Length >= 5 && times.Length <= (1000 / windowMs) + 2, $"{times.Length} windows in one second: {shown}");
        // The window left open at the end may close in the same ms as the last one.
        Assert.True(steps.All(step => step >= 0), $"times go back: {shown}");
        long[] sorted = [.. steps.Order()];
        Assert.True(Math.Abs(sorted[sorted.Length / 2] - windowMs) <= 5, $"the median step is not {windowMs} ms: {shown}");
    }

    /// <summary>Σ rate × the ms since the line before (0 for the first), one direction's lines.</summary>
    private static double Integrate(long[][] windows)
    {
        double sum = 0;
        long previous = 0;
        foreach (long[] line in windows)
        {
            sum += (double)line[1] * (line[0] - previous);
            previous = line[0];
        }
        return sum;
    }
}
