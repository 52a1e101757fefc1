// Follows fio's stat.c (clat_prio_stat: add_clat_sample/add_lat_sample per ioprio, sum_clat_prio_stats) in meaning, not in code.
namespace PinIo.Cli.Stats;

/// <summary>The latencies of one direction's I/Os issued at one priority (fio's clat_prio_stat).</summary>
internal sealed class PrioLatency(ushort ioprio)
{
    /// <summary>The ioprio value, class in the top 3 bits (IOPRIO_CLASS_SHIFT 13), level below.</summary>
    public ushort Ioprio { get; } = ioprio;

    /// <summary>fio 3.33's "prioclass": the class bits.</summary>
    public int Class => Ioprio >> 13;

    /// <summary>fio 3.33's "prio": the level (the bits below the class: hint and level together, as 3.33 prints them).</summary>
    public int Level => Ioprio & 0x1FFF;

    public RunningStat Stat { get; } = new();

    public LatencyHistogram Histogram { get; } = new();
}

/// <summary>
/// A direction's completion latencies (or total latencies, with lat_percentiles) per I/O
/// priority, kept only by a job that sets a priority (prio, prioclass, cmdprio_*): fio reports
/// them once two priorities have samples. A priority's entry is made the first time it is seen,
/// then reused: nothing is allocated per I/O. Job thread only.
/// </summary>
internal sealed class PrioLatencies
{
    private readonly List<PrioLatency> _byPrio = [];

    /// <summary>Whether the entries hold total latencies (lat_percentiles) rather than completion latencies.</summary>
    public bool OfTotalLatency { get; set; }

    public IReadOnlyList<PrioLatency> All => _byPrio;

    /// <summary>fio's get_nr_prios_with_samples.</summary>
    public int WithSamples => _byPrio.Count(p => p.Stat.Samples > 0);

    /// <summary>Makes <paramref name="ioprio"/>'s entry now, so that entries are listed in the job's order (its own priority first, as fio's), not the order I/Os arrive in.</summary>
    public void Expect(ushort ioprio) => For(ioprio);

    public void Add(ushort ioprio, long nanoseconds)
    {
        PrioLatency entry = For(ioprio);
        entry.Stat.Add(nanoseconds);
        entry.Histogram.Add(nanoseconds);
    }

    /// <summary>
    /// Adds another job's entries (group_reporting). A job that kept none ran every I/O without
    /// a priority (0), so with <paramref name="fromOther"/> (its whole latency and histogram)
    /// it counts there, as fio's sum_clat_prio_stats_src_single_prio does.
    /// </summary>
    public void Merge(PrioLatencies other, RunningStat fromOther, LatencyHistogram fromOtherHistogram)
    {
        if (other._byPrio.Count == 0)
        {
            if (_byPrio.Count > 0 && fromOther.Samples > 0)
            {
                PrioLatency none = For(0);
                none.Stat.Merge(fromOther);
                none.Histogram.Merge(fromOtherHistogram);
            }
            return;
        }
        OfTotalLatency = other.OfTotalLatency;
        foreach (PrioLatency entry in other._byPrio)
        {
            PrioLatency into = For(entry.Ioprio);
            into.Stat.Merge(entry.Stat);
            into.Histogram.Merge(entry.Histogram);
        }
    }

    /// <summary>Before merging a job that kept entries into this one, which kept none: this one's I/Os ran without a priority.</summary>
    public void AdoptUnprioritised(RunningStat stat, LatencyHistogram histogram)
    {
        if (_byPrio.Count == 0 && stat.Samples > 0)
        {
            PrioLatency none = For(0);
            none.Stat.Merge(stat);
            none.Histogram.Merge(histogram);
        }
    }

    private PrioLatency For(ushort ioprio)
    {
        foreach (PrioLatency entry in _byPrio)
        {
            if (entry.Ioprio == ioprio)
            {
                return entry;
            }
        }
        var added = new PrioLatency(ioprio);
        _byPrio.Add(added);
        return added;
    }
}
