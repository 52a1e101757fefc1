using PinIo.Cli.Stats;

namespace PinIo.Cli.Report;

/// <summary>
/// A reporting group's totals per direction (fio's group_run_stats), computed from the
/// report's blocks as fio computes them: bytes added, the shortest and longest runtime, the
/// bandwidth of the slowest and fastest block, and the aggregate bandwidth (all bytes over the
/// longest runtime). With group_reporting a group is one block, so its range is one value.
/// </summary>
internal sealed class GroupStats
{
    public GroupStats(int groupId) => GroupId = groupId;

    public int GroupId { get; }

    public long[] IoBytes { get; } = new long[IoDirs.Count];

    public long[] MinRunMs { get; } = new long[IoDirs.Count];

    public long[] MaxRunMs { get; } = new long[IoDirs.Count];

    /// <summary>Bytes per second of the slowest and fastest block.</summary>
    public long[] MinBw { get; } = [long.MaxValue, long.MaxValue, long.MaxValue];

    public long[] MaxBw { get; } = new long[IoDirs.Count];

    /// <summary>Aggregate bytes per second.</summary>
    public long[] AggBw { get; } = new long[IoDirs.Count];

    /// <summary>The groups from 0 to the highest group any block is in (fio prints each, even an empty one).</summary>
    public static IReadOnlyList<GroupStats> From(IReadOnlyList<ThreadStat> blocks)
    {
        int last = blocks.Count == 0 ? 0 : blocks.Max(b => b.GroupId);
        var groups = new GroupStats[last + 1];
        for (int g = 0; g <= last; g++)
        {
            groups[g] = new GroupStats(g);
        }
        foreach (ThreadStat block in blocks)
        {
            groups[block.GroupId].Add(block.Stats);
        }
        foreach (GroupStats group in groups)
        {
            for (int d = 0; d < IoDirs.Count; d++)
            {
                group.AggBw[d] = group.MaxRunMs[d] == 0 ? 0 : group.IoBytes[d] * 1000 / group.MaxRunMs[d];
            }
        }
        return groups;
    }

    private void Add(JobStats stats)
    {
        for (int d = 0; d < IoDirs.Count; d++)
        {
            DirStats dir = stats[(IoDir)d];
            if (dir.RuntimeMs == 0)
            {
                continue;
            }
            if (MinRunMs[d] == 0 || dir.RuntimeMs < MinRunMs[d])
            {
                MinRunMs[d] = dir.RuntimeMs;
            }
            MaxRunMs[d] = Math.Max(MaxRunMs[d], dir.RuntimeMs);
            long bw = dir.IoBytes * 1000 / dir.RuntimeMs;
            MinBw[d] = Math.Min(MinBw[d], bw);
            MaxBw[d] = Math.Max(MaxBw[d], bw);
            IoBytes[d] += dir.IoBytes;
        }
    }

    /// <summary>A block's mean sampled bandwidth (KiB/s) as a percentage of the group's aggregate (fio's "per=" and bw_agg).</summary>
    public double PercentOfAggregate(IoDir dir, double meanKiBps)
    {
        long agg = AggBw[(int)dir];
        // fio passes the mean as an int here.
        return agg > 1024 ? Math.Min(100.0, (long)meanKiBps * 100.0 / (agg / 1024.0)) : 100.0;
    }
}
