using System.Text.Json;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli.Sched;

/// <summary>fio's per-priority completion latencies (clat_prio: JSON "prios", normal "clat prio C/L" lines) and log_prio's column.</summary>
public sealed class PrioStatsTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void CmdprioPercentage50_ReportsTwoPriorities_WhoseSamplesAddUpToTheTotal()
    {
        JsonElement read = RunJson("--rw=randread", "--prioclass=2", "--prio=4", "--cmdprio_percentage=50", "--cmdprio_class=1").GetProperty("read");

        JsonElement[] prios = [.. read.GetProperty("prios").EnumerateArray()];
        Assert.Equal(2, prios.Length);
        // The job's own priority first (best effort 4), then the command priority (realtime 0), as fio lists them.
        Assert.Equal([(2, 4), (1, 0)], prios.Select(p => (p.GetProperty("prioclass").GetInt32(), p.GetProperty("prio").GetInt32())));
        long[] samples = [.. prios.Select(p => p.GetProperty("clat_ns").GetProperty("N").GetInt64())];
        Assert.Equal(read.GetProperty("clat_ns").GetProperty("N").GetInt64(), samples.Sum());
        Assert.Equal(256, samples.Sum());
        Assert.All(samples, n => Assert.InRange(n, 256 * 30 / 100, 256 * 70 / 100));
        Assert.True(prios[0].GetProperty("clat_ns").TryGetProperty("percentile", out _), "each priority has its percentiles");
    }

    [Fact]
    public void OnePriority_ReportsNoPrios()
    {
        JsonElement read = RunJson("--rw=randread", "--prioclass=2", "--prio=4").GetProperty("read");

        Assert.False(read.TryGetProperty("prios", out _), "fio lists priorities only when two have samples");
    }

    [Fact]
    public void NormalOutput_HasFiosPerPriorityLines()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run(["--name=p", "--filename=ram:1m", "--bs=4k", "--ioengine=psync", "--rw=randread", "--prioclass=3", "--cmdprio_percentage=50", "--cmdprio_class=1"], stdout, stderr);

        Assert.True(status == 0, stderr.ToString());
        string text = stdout.ToString();
        Assert.Matches(@"\n    clat prio 3/0 \((n|u|m)sec\): min=", text);
        Assert.Matches(@"\n    clat prio 1/0 \((n|u|m)sec\): min=", text);
        Assert.Matches(@"\n    clat prio 3/0 \(\d+\.\d\d% of IOs\) percentiles \((n|u|m)sec\):\n", text);
        Assert.Matches(@"\n    clat prio 1/0 \(\d+\.\d\d% of IOs\) percentiles \((n|u|m)sec\):\n", text);
    }

    [Fact]
    public void LogPrio_PutsEachIosPriorityValueInTheLogsFifthColumn()
    {
        string prefix = _dir.File("prio");
        JsonElement read = RunJson("--rw=randread", "--prioclass=2", "--prio=4", "--cmdprio_percentage=50", "--cmdprio_class=1", $"--write_lat_log={prefix}", "--log_prio=1").GetProperty("read");

        string[] column = [.. File.ReadAllLines($"{prefix}_clat.1.log").Select(line => line.Split(", ")[4])];
        Assert.Equal(["0x2000", "0x4004"], column.Distinct().Order(StringComparer.Ordinal));
        long[] samples = [.. read.GetProperty("prios").EnumerateArray().Select(p => p.GetProperty("clat_ns").GetProperty("N").GetInt64())];
        Assert.Equal(samples[0], column.Count(c => c == "0x4004"));
        Assert.Equal(samples[1], column.Count(c => c == "0x2000"));
    }

    [Fact]
    public void WithoutLogPrio_TheColumnIsOneForTheRealtimeClass()
    {
        string prefix = _dir.File("rt");
        RunJson("--rw=randread", "--prioclass=2", "--prio=4", "--cmdprio_percentage=50", "--cmdprio_class=1", $"--write_lat_log={prefix}");

        string[] column = [.. File.ReadAllLines($"{prefix}_lat.1.log").Select(line => line.Split(", ")[4])];
        Assert.Equal(["0", "1"], column.Distinct().Order(StringComparer.Ordinal));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }

    private static JsonElement RunJson(params string[] options) =>
        MultiFileJobTests.RunJson(["--name=p", "--filename=ram:1m", "--bs=4k", "--ioengine=psync", .. options]);
}
