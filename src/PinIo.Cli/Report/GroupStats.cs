using PinIo.Cli.Runner;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Report;

/// <summary>
/// A reporting group's totals per direction (fio's group_run_stats): bytes, shortest and
/// longest job runtime, slowest and fastest job bandwidth, and the aggregate bandwidth (all
/// bytes over the longest runtime). pinio puts every job in group 0, as fio does without
/// <c>stonewall</c> or <c>new_group</c>.
/// </summary>
internal sealed class GroupStats
{
    public long[] IoBytes { get; } = new long[2];

    public long[] MinRunMs { get; } = [long.MaxValue, long.MaxValue];

    public long[] MaxRunMs { get; } = new long[2];

    /// <summary>Bytes per second of the slowest and fastest job.</summary>
    public long[] MinBw { get; } = [long.MaxValue, long.MaxValue];

    public long[] MaxBw { get; } = new long[2];

    /// <summary>Aggregate bytes per second.</summary>
    public long[] AggBw { get; } = new long[2];

    public static GroupStats From(IReadOnlyList<JobResult> results)
    {
        var group = new GroupStats();
        foreach (JobResult result in results)
        {
            for (int d = 0; d < 2; d++)
            {
                DirStats dir = result.Stats[(IoDir)d];
                if (dir.RuntimeMs == 0 || dir.TotalIos == 0)
                {
                    continue;
                }
                long bw = dir.IoBytes * 1000 / dir.RuntimeMs;
                group.IoBytes[d] += dir.IoBytes;
                group.MinRunMs[d] = Math.Min(group.MinRunMs[d], dir.RuntimeMs);
                group.MaxRunMs[d] = Math.Max(group.MaxRunMs[d], dir.RuntimeMs);
                group.MinBw[d] = Math.Min(group.MinBw[d], bw);
                group.MaxBw[d] = Math.Max(group.MaxBw[d], bw);
            }
        }
        for (int d = 0; d < 2; d++)
        {
            group.AggBw[d] = group.MaxRunMs[d] == 0 ? 0 : group.IoBytes[d] * 1000 / group.MaxRunMs[d];
        }
        return group;
    }

    /// <summary>A job's mean sampled bandwidth as a percentage of the group's aggregate (fio's "per=").</summary>
    public double PercentOfAggregate(IoDir dir, double meanKiBps)
    {
        long agg = AggBw[(int)dir];
        return agg > 1024 ? Math.Min(100.0, meanKiBps * 100.0 / (agg / 1024.0)) : 100.0;
    }
}
