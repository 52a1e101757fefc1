// Follows fio's stat.c (show_ddir_status and add_ddir_status_json: the per-priority clat of clat_prio) as fio 3.33 prints it.
using PinIo.Cli.Stats;
using static System.FormattableString;

namespace PinIo.Cli.Report;

/// <summary>
/// A direction's latencies per I/O priority, shown as fio 3.33 shows them once two priorities
/// have samples: normal output "    clat prio 3/0 (usec): min=..." after the latency lines and
/// "    clat prio 3/0 (79.67% of IOs) percentiles (usec):" after the percentiles ("lat" for both
/// under lat_percentiles); JSON a "prios" array of { prioclass, prio, clat_ns } (lat_ns under
/// lat_percentiles) after lat_ns.
/// </summary>
internal static class PrioReport
{
    public static void WriteLatencyLines(TextWriter w, DirStats d)
    {
        if (d.Prios.WithSamples < 2)
        {
            return;
        }
        foreach (PrioLatency prio in d.Prios.All)
        {
            NormalReport.WriteLatencyLine(w, Invariant($"{Kind(d)} prio {prio.Class}/{prio.Level}"), prio.Stat);
        }
    }

    public static void WritePercentiles(TextWriter w, DirStats d, ReportOptions options)
    {
        if (d.Prios.WithSamples < 2 || !(options.ClatPercentiles || options.LatPercentiles))
        {
            return;
        }
        long samples = d.Prios.OfTotalLatency ? d.Lat.Samples : d.Clat.Samples;
        foreach (PrioLatency prio in d.Prios.All)
        {
            if (prio.Stat.Samples == 0)
            {
                continue;
            }
            double share = 100.0 * prio.Stat.Samples / Math.Max(1, samples);
            NormalReport.WritePercentiles(w, Invariant($"{Kind(d)} prio {prio.Class}/{prio.Level} ({share:F2}% of IOs)"), prio.Histogram, options);
        }
    }

    public static void WriteJson(FioJsonWriter w, DirStats d, ReportOptions options, bool plus)
    {
        if (d.Prios.WithSamples < 2)
        {
            return;
        }
        w.StartArray("prios");
        foreach (PrioLatency prio in d.Prios.All)
        {
            if (prio.Stat.Samples == 0)
            {
                continue;
            }
            w.StartObject();
            w.Int("prioclass", prio.Class);
            w.Int("prio", prio.Level);
            JsonReport.WriteLatency(w, d.Prios.OfTotalLatency ? "lat_ns" : "clat_ns", prio.Stat, options.ClatPercentiles || options.LatPercentiles ? prio.Histogram : null, options, plus);
            w.EndObject();
        }
        w.EndArray();
    }

    private static string Kind(DirStats d) => d.Prios.OfTotalLatency ? "lat" : "clat";
}
