using PinIo.Cli.Report;
using PinIo.Cli.Runner;
using PinIo.Cli.Stats;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>fio's group_reporting: consecutive jobs of one group become one block whose counters are the jobs' summed.</summary>
public sealed class ReportGroupingTests : PinBalancedTest
{
    private static readonly ReportOptions s_grouped = new() { GroupReporting = true };

    [Fact]
    public void TwoJobsWithGroupReportingAreOneBlockWithSummedIo()
    {
        JobResult a = TestJobs.Run("--filename=ram:4m", "--runtime=60ms");
        JobResult b = TestJobs.Run("--filename=ram:4m", "--runtime=60ms", "--iodepth=4");

        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build([a, b], _ => s_grouped);

        ThreadStat block = Assert.Single(blocks);
        Assert.Equal(2, block.Members.Count);
        DirStats read = block.Stats.Read;
        Assert.Equal(a.Stats.Read.IoBytes + b.Stats.Read.IoBytes, read.IoBytes);
        Assert.Equal(a.Stats.Read.TotalIos + b.Stats.Read.TotalIos, read.TotalIos);
        Assert.Equal(read.TotalIos, read.ClatHistogram.Count);
        Assert.Equal(read.TotalIos, read.Clat.Samples);
        Assert.Equal(Math.Min(a.Stats.Read.Clat.Min, b.Stats.Read.Clat.Min), read.Clat.Min);
        Assert.Equal(Math.Max(a.Stats.Read.RuntimeMs, b.Stats.Read.RuntimeMs), read.RuntimeMs);
        // Rates of jobs side by side add up (fio's pure sum).
        Assert.Equal(a.Stats.Read.Bw.Mean + b.Stats.Read.Bw.Mean, read.Bw.Mean, 6);
        Assert.Equal(a.Stats.TotalIos + b.Stats.TotalIos, block.Stats.DepthMap.Sum());
        Assert.Equal(4, block.LatencyDepth);
        // The inputs are left as they were.
        Assert.Equal(a.Stats.Read.TotalIos, a.Stats.Read.ClatHistogram.Count);
    }

    [Fact]
    public void TheGroupedNormalReportHasOneBlockAndOneRunStatusGroupWithTheSum()
    {
        JobResult a = TestJobs.Run("--filename=ram:4m", "--runtime=60ms");
        JobResult b = TestJobs.Run("--filename=ram:4m", "--runtime=60ms");
        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build([a, b], _ => s_grouped);
        IReadOnlyList<GroupStats> groups = GroupStats.From(blocks);
        var output = new StringWriter();

        NormalReport.Write(output, blocks, groups, new ReportContext());

        string report = output.ToString();
        Assert.Single(Occurrences(report, "main: (groupid=0, jobs=2): err= 0"));
        Assert.Single(Occurrences(report, "Run status group"));
        Assert.Single(Occurrences(report, "  read: IOPS="));
        long total = a.Stats.Read.IoBytes + b.Stats.Read.IoBytes;
        Assert.Equal(total, groups[0].IoBytes[0]);
        string io = FioFormat.Num2Str((ulong)total, 4, true, NumUnit.Byte);
        Assert.Contains($"io={io} (", report, StringComparison.Ordinal);
        Assert.Contains($"issued rwts: total={a.Stats.Read.TotalIos + b.Stats.Read.TotalIos},0,0,0", report, StringComparison.Ordinal);
        // One block: the slowest and the fastest are the same.
        Assert.Equal(groups[0].MinBw[0], groups[0].MaxBw[0]);
    }

    [Fact]
    public void WithoutGroupReportingEachJobIsABlockAndTheGroupSumsThem()
    {
        JobResult a = TestJobs.Run("--filename=ram:4m", "--runtime=40ms");
        JobResult b = TestJobs.Run("--filename=ram:4m", "--runtime=40ms");
        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build([a, b], _ => new ReportOptions());
        IReadOnlyList<GroupStats> groups = GroupStats.From(blocks);
        var output = new StringWriter();

        NormalReport.Write(output, blocks, groups, new ReportContext());

        Assert.Equal(2, blocks.Count);
        Assert.Equal(2, Occurrences(output.ToString(), "main: (groupid=0, jobs=1)").Count);
        Assert.Equal(a.Stats.Read.IoBytes + b.Stats.Read.IoBytes, groups[0].IoBytes[0]);
        Assert.Equal(groups[0].IoBytes[0] * 1000 / groups[0].MaxRunMs[0], groups[0].AggBw[0]);
        // fio prints the blocks one after the other, then a blank line before each group.
        Assert.DoesNotContain("\n\nmain:", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void JobsOfDifferentGroupsAreNeverMergedAndEachGroupHasItsLines()
    {
        JobResult a = TestJobs.Run("--filename=ram:4m", "--runtime=40ms");
        JobResult b = TestJobs.Run("--filename=ram:4m", "--runtime=40ms", "--rw=randwrite");
        b = b with { Plan = b.Plan with { GroupId = 1 } };
        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build([a, b], _ => s_grouped);
        IReadOnlyList<GroupStats> groups = GroupStats.From(blocks);
        var output = new StringWriter();

        NormalReport.Write(output, blocks, groups, new ReportContext());

        string report = output.ToString();
        Assert.Equal(2, blocks.Count);
        Assert.Equal(2, groups.Count);
        Assert.Contains("\nRun status group 0 (all jobs):\n   READ: bw=", report, StringComparison.Ordinal);
        Assert.Contains("\nRun status group 1 (all jobs):\n  WRITE: bw=", report, StringComparison.Ordinal);
        Assert.Contains("main: (groupid=1, jobs=1)", report, StringComparison.Ordinal);
    }

    [Fact]
    public void RatesAddAndLatenciesCombineAsFioSumsThem()
    {
        var left = new RunningStat();
        var right = new RunningStat();
        foreach (long v in (long[])[100, 200])
        {
            left.Add(v);
        }
        foreach (long v in (long[])[300, 500])
        {
            right.Add(v);
        }
        RunningStat rates = left.Clone();
        rates.SumRates(right);
        RunningStat latencies = left.Clone();
        latencies.Merge(right);

        Assert.Equal((400L, 700L, 550.0, 4L), (rates.Min, rates.Max, rates.Mean, rates.Samples));
        Assert.Equal((100L, 500L, 275.0, 4L), (latencies.Min, latencies.Max, latencies.Mean, latencies.Samples));
        Assert.Equal((100L, 200L, 150.0), (left.Min, left.Max, left.Mean));
    }

    private static List<int> Occurrences(string text, string value)
    {
        var at = new List<int>();
        for (int i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + 1, StringComparison.Ordinal))
        {
            at.Add(i);
        }
        return at;
    }
}
