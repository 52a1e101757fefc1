namespace PinIo.Cli.Stats;

/// <summary>The two data directions fio reports (trim is not run).</summary>
internal enum IoDir
{
    Read = 0,
    Write = 1,
    Trim = 2,
}

internal static class IoDirs
{
    /// <summary>How many directions a job's statistics keep (fio's DDIR_RWDIR_CNT: read, write, trim).</summary>
    public const int Count = 3;

    /// <summary>All directions, in fio's order.</summary>
    public static readonly IoDir[] All = [IoDir.Read, IoDir.Write, IoDir.Trim];

    /// <summary>fio's lower-case name of the direction ("read", "write", "trim"), as its reports print it.</summary>
    public static string Name(IoDir dir) => dir switch
    {
        IoDir.Read => "read",
        IoDir.Write => "write",
        _ => "trim",
    };
}

/// <summary>What one job did in one direction (the per-ddir half of fio's thread_stat).</summary>
internal sealed class DirStats
{
    public long IoBytes { get; private set; }

    public long TotalIos { get; private set; }

    /// <summary>I/Os that transferred fewer bytes than asked.</summary>
    public long ShortIos { get; private set; }

    /// <summary>Submission latency: start of the call until it returned with the I/O in flight (asynchronous engines only).</summary>
    public RunningStat Slat { get; } = new();

    /// <summary>Completion latency: submitted until completed; for an I/O that completed in its call, the whole call.</summary>
    public RunningStat Clat { get; } = new();

    /// <summary>Total latency: start of the call until completed.</summary>
    public RunningStat Lat { get; } = new();

    public LatencyHistogram ClatHistogram { get; } = new();

    /// <summary>Total latencies in the same buckets, for fio's <c>lat_percentiles</c>: kept only while <see cref="KeepsLatHistogram"/>.</summary>
    public LatencyHistogram LatHistogram { get; } = new();

    /// <summary>
    /// Whether <see cref="Record"/> files total latencies in <see cref="LatHistogram"/>: only a
    /// job with lat_percentiles reports them, and fio keeps them only then (add_lat_sample).
    /// </summary>
    public bool KeepsLatHistogram { get; set; } = true;

    /// <summary>Latencies per I/O priority, kept by a job that sets one (fio's clat_prio).</summary>
    public PrioLatencies Prios { get; } = new();

    /// <summary>Bandwidth samples in KiB/s, one per sampling window.</summary>
    public RunningStat Bw { get; } = new();

    public RunningStat Iops { get; } = new();

    /// <summary>Milliseconds this direction was active (fio's runtime[ddir]).</summary>
    public long RuntimeMs { get; set; }

    /// <summary>Counts one I/O; a latency of -1 was not measured (an asynchronous engine's slat only; disable_slat, disable_clat, disable_lat) and is left out.</summary>
    public void Record(long bytes, bool isShort, long slatNs, long clatNs, long latNs)
    {
        IoBytes += bytes;
        TotalIos++;
        if (isShort)
        {
            ShortIos++;
        }
        if (slatNs >= 0)
        {
            Slat.Add(slatNs);
        }
        if (clatNs >= 0)
        {
            Clat.Add(clatNs);
            ClatHistogram.Add(clatNs);
        }
        if (latNs >= 0)
        {
            Lat.Add(latNs);
            if (KeepsLatHistogram)
            {
                LatHistogram.Add(latNs);
            }
        }
    }

    /// <summary>An I/O issued that moved nothing and has no latency to report (fill_device's write that found the device full).</summary>
    public void CountIssuedWithoutData() => TotalIos++;

    /// <summary>
    /// Adds another job's counters, as fio's sum_thread_stats does for group_reporting: bytes
    /// and I/Os add up, latencies combine as one population, bandwidth and IOPS samples add up
    /// (the jobs ran side by side), histograms merge, and the runtime is the longest.
    /// </summary>
    public void Merge(DirStats other)
    {
        if (other.Prios.All.Count > 0)
        {
            Prios.AdoptUnprioritised(other.Prios.OfTotalLatency ? Lat : Clat, other.Prios.OfTotalLatency ? LatHistogram : ClatHistogram);
        }
        Prios.Merge(other.Prios, Prios.OfTotalLatency ? other.Lat : other.Clat, Prios.OfTotalLatency ? other.LatHistogram : other.ClatHistogram);
        IoBytes += other.IoBytes;
        TotalIos += other.TotalIos;
        ShortIos += other.ShortIos;
        Slat.Merge(other.Slat);
        Clat.Merge(other.Clat);
        Lat.Merge(other.Lat);
        ClatHistogram.Merge(other.ClatHistogram);
        LatHistogram.Merge(other.LatHistogram);
        Bw.SumRates(other.Bw);
        Iops.SumRates(other.Iops);
        RuntimeMs = Math.Max(RuntimeMs, other.RuntimeMs);
    }
}
