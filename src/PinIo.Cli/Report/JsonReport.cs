using System.Globalization;
using System.Text.Json;
using PinIo.Cli.Runner;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Report;

/// <summary>
/// <c>--output-format=json</c>: fio's JSON document (stat.c show_thread_status_json) with fio's
/// field names and nesting, so that scripts written for fio's JSON read pinio's:
/// <c>jobs[].read.iops</c>, <c>.bw</c> (KiB/s), <c>.io_bytes</c>, <c>.clat_ns.percentile["99.000000"]</c>,
/// <c>.lat_ns</c>, <c>usr_cpu</c>, <c>iodepth_level</c>, <c>latency_us</c>... Not yet: "trim" and
/// "sync" hold zeros, "disk_util" is empty, there is no "global options". pinio adds a
/// <c>pins</c> object to each job.
/// </summary>
internal static class JsonReport
{
    public static void Write(Stream stream, IReadOnlyList<JobResult> results, DateTimeOffset time)
    {
        GroupStats group = GroupStats.From(results);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("fio version", NormalReport.Version);
        w.WriteNumber("timestamp", time.ToUnixTimeSeconds());
        w.WriteNumber("timestamp_ms", time.ToUnixTimeMilliseconds());
        w.WriteString("time", FioFormat.CTime(time.LocalDateTime));
        w.WriteStartArray("jobs");
        foreach (JobResult result in results)
        {
            WriteJob(w, result, group);
        }
        w.WriteEndArray();
        w.WriteStartArray("disk_util");
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteJob(Utf8JsonWriter w, JobResult r, GroupStats group)
    {
        w.WriteStartObject();
        w.WriteString("jobname", r.Plan.Name);
        w.WriteNumber("groupid", r.Plan.GroupId);
        w.WriteNumber("error", r.Error);
        if (r.ErrorText is not null)
        {
            w.WriteString("verror", r.ErrorText);
        }
        w.WriteNumber("elapsed", (r.RuntimeMs + 999) / 1000);
        w.WriteStartObject("job options");
        foreach (var (name, value) in r.Plan.Options.Written)
        {
            w.WriteString(name, value);
        }
        w.WriteEndObject();
        WriteDirection(w, "read", r.Stats.Read, r.Plan.Percentiles, group, IoDir.Read);
        WriteDirection(w, "write", r.Stats.Write, r.Plan.Percentiles, group, IoDir.Write);
        WriteDirection(w, "trim", new DirStats(), r.Plan.Percentiles, group, IoDir.Write);
        w.WriteStartObject("sync");
        w.WriteNumber("total_ios", 0);
        WriteLatency(w, "lat_ns", new RunningStat(), null, r.Plan.Percentiles);
        w.WriteEndObject();
        w.WriteNumber("job_runtime", r.RuntimeMs);
        w.WriteNumber("usr_cpu", r.RuntimeMs > 0 ? r.Cpu.User.TotalMilliseconds * 100 / r.RuntimeMs : 0);
        w.WriteNumber("sys_cpu", r.RuntimeMs > 0 ? r.Cpu.System.TotalMilliseconds * 100 / r.RuntimeMs : 0);
        w.WriteNumber("ctx", r.Cpu.ContextSwitches);
        w.WriteNumber("majf", r.Cpu.MajorFaults);
        w.WriteNumber("minf", r.Cpu.MinorFaults);
        JobStats s = r.Stats;
        WriteDistribution(w, "iodepth_level", ["1", "2", "4", "8", "16", "32", ">=64"], s.DepthMap, s.TotalIos);
        WriteDistribution(w, "iodepth_submit", ["0", "4", "8", "16", "32", "64", ">=64"], s.SubmitMap, s.TotalSubmitBatches);
        WriteDistribution(w, "iodepth_complete", ["0", "4", "8", "16", "32", "64", ">=64"], s.CompleteMap, s.TotalCompleteBatches);
        string[] decades = [.. JobStats.DecadeBounds.Select(b => b.ToString(CultureInfo.InvariantCulture))];
        WriteDecades(w, "latency_ns", decades, s.LatNsec, s.TotalIos);
        WriteDecades(w, "latency_us", decades, s.LatUsec, s.TotalIos);
        WriteDecades(w, "latency_ms", JobStats.MsecLabels, s.LatMsec, s.TotalIos);
        w.WriteNumber("latency_depth", r.Plan.IoDepth);
        w.WriteNumber("latency_target", 0);
        w.WriteNumber("latency_percentile", 100.0);
        w.WriteNumber("latency_window", 0);
        WritePins(w, r.Pins, s.TotalIos);
        w.WriteEndObject();
    }

    private static void WriteDirection(Utf8JsonWriter w, string name, DirStats d, IReadOnlyList<double> percentiles, GroupStats group, IoDir dir)
    {
        long runtime = d.RuntimeMs;
        long bwBytes = runtime > 0 ? d.IoBytes * 1000 / runtime : 0;
        w.WriteStartObject(name);
        w.WriteNumber("io_bytes", d.IoBytes);
        w.WriteNumber("io_kbytes", d.IoBytes >> 10);
        w.WriteNumber("bw_bytes", bwBytes);
        w.WriteNumber("bw", bwBytes / 1024);
        w.WriteNumber("iops", runtime > 0 ? d.TotalIos * 1000.0 / runtime : 0.0);
        w.WriteNumber("runtime", runtime);
        w.WriteNumber("total_ios", d.TotalIos);
        w.WriteNumber("short_ios", d.ShortIos);
        w.WriteNumber("drop_ios", 0);
        WriteLatency(w, "slat_ns", d.Slat, null, percentiles);
        WriteLatency(w, "clat_ns", d.Clat, d.ClatHistogram, percentiles);
        WriteLatency(w, "lat_ns", d.Lat, null, percentiles);
        bool sampled = d.Bw.Samples > 0;
        w.WriteNumber("bw_min", sampled ? d.Bw.Min : 0);
        w.WriteNumber("bw_max", d.Bw.Max);
        w.WriteNumber("bw_agg", sampled ? group.PercentOfAggregate(dir, d.Bw.Mean) : 0.0);
        w.WriteNumber("bw_mean", d.Bw.Mean);
        w.WriteNumber("bw_dev", d.Bw.StdDev);
        w.WriteNumber("bw_samples", d.Bw.Samples);
        w.WriteNumber("iops_min", sampled ? d.Iops.Min : 0);
        w.WriteNumber("iops_max", d.Iops.Max);
        w.WriteNumber("iops_mean", d.Iops.Mean);
        w.WriteNumber("iops_stddev", d.Iops.StdDev);
        w.WriteNumber("iops_samples", d.Iops.Samples);
        w.WriteEndObject();
    }

    private static void WriteLatency(Utf8JsonWriter w, string name, RunningStat stat, LatencyHistogram? histogram, IReadOnlyList<double> percentiles)
    {
        w.WriteStartObject(name);
        w.WriteNumber("min", stat.Samples > 0 ? stat.Min : 0);
        w.WriteNumber("max", stat.Max);
        w.WriteNumber("mean", stat.Mean);
        w.WriteNumber("stddev", stat.StdDev);
        w.WriteNumber("N", stat.Samples);
        if (histogram is { Count: > 0 })
        {
            long[] values = histogram.Percentiles(percentiles);
            w.WriteStartObject("percentile");
            for (int i = 0; i < values.Length; i++)
            {
                w.WriteNumber(percentiles[i].ToString("F6", CultureInfo.InvariantCulture), values[i]);
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteDistribution(Utf8JsonWriter w, string name, string[] labels, long[] counts, long total)
    {
        w.WriteStartObject(name);
        for (int i = 0; i < labels.Length; i++)
        {
            double percent = total == 0 ? 0 : counts[i] * 100.0 / total;
            w.WriteNumber(labels[i], counts[i] > 0 && percent < 0.1 ? 0.1 : percent);
        }
        w.WriteEndObject();
    }

    private static void WriteDecades(Utf8JsonWriter w, string name, string[] labels, long[] counts, long total)
    {
        w.WriteStartObject(name);
        for (int i = 0; i < labels.Length; i++)
        {
            double percent = total == 0 ? 0 : counts[i] * 100.0 / total;
            w.WriteNumber(labels[i], counts[i] > 0 && percent < 0.01 ? 0.01 : percent);
        }
        w.WriteEndObject();
    }

    private static void WritePins(Utf8JsonWriter w, PinCounts pins, long ios)
    {
        w.WriteStartObject("pins");
        w.WriteStartObject("pinio");
        w.WriteNumber("acquired", pins.Acquired);
        w.WriteNumber("released", pins.Released);
        w.WriteNumber("per_io", ios == 0 ? 0 : (double)pins.Acquired / ios);
        w.WriteEndObject();
        if (pins.KernelAvailable)
        {
            w.WriteStartObject("kernel");
            w.WriteNumber("acquired", pins.KernelAcquired);
            w.WriteNumber("released", pins.KernelReleased);
            w.WriteNumber("per_io", ios == 0 ? 0 : (double)pins.KernelAcquired / ios);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("kernel");
        }
        w.WriteEndObject();
    }
}
