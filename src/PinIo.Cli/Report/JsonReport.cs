using System.Globalization;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Report;

/// <summary>
/// <c>--output-format=json</c> and <c>json+</c>: fio's JSON document (stat.c
/// show_thread_status_json and __show_run_stats) with fio's field names, nesting and number
/// formats, so that scripts written for fio's JSON read pinio's unchanged:
/// <c>jobs[].read.iops</c>, <c>.bw</c> (KiB/s), <c>.io_bytes</c>,
/// <c>.clat_ns.percentile["99.000000"]</c>, <c>.lat_ns</c>, <c>usr_cpu</c>, <c>iodepth_level</c>,
/// <c>latency_us</c>... json+ adds the <c>bins</c> of each histogram whose percentiles are
/// printed (bucket value in ns → count). pinio adds a <c>pins</c> object to each job, and
/// <c>verror</c> with the error text when a job failed. "sync" holds the flushes
/// (fsync=, fdatasync=, end_fsync) and their latency; "disk_util" lists the block devices under the jobs' files (none for a RAM
/// disk or a memory file system).
/// </summary>
internal static class JsonReport
{
    private static readonly string[] s_depthLabels = ["1", "2", "4", "8", "16", "32", ">=64"];
    private static readonly string[] s_batchLabels = ["0", "4", "8", "16", "32", "64", ">=64"];

    public static void Write(TextWriter output, IReadOnlyList<ThreadStat> blocks, IReadOnlyList<GroupStats> groups, ReportContext context, bool plus)
    {
        var w = new FioJsonWriter(output);
        w.StartDocument();
        w.String("fio version", context.Version);
        w.Int("timestamp", context.Time.ToUnixTimeSeconds());
        w.Int("timestamp_ms", context.Time.ToUnixTimeMilliseconds());
        w.String("time", FioFormat.CTime(context.Time.LocalDateTime));
        if (context.GlobalOptions.Count > 0)
        {
            WriteOptions(w, "global options", context.GlobalOptions);
        }
        w.StartArray("jobs");
        foreach (ThreadStat block in blocks)
        {
            WriteJob(w, block, groups[block.GroupId], context, plus);
        }
        w.EndArray();
        w.StartArray("disk_util");
        foreach (DiskUtil disk in context.Disks)
        {
            DiskCounters c = disk.Counters;
            w.StartObject();
            w.String("name", disk.Name);
            w.Int("read_ios", c.ReadIos);
            w.Int("write_ios", c.WriteIos);
            w.Int("read_sectors", c.ReadSectors);
            w.Int("write_sectors", c.WriteSectors);
            w.Int("read_merges", c.ReadMerges);
            w.Int("write_merges", c.WriteMerges);
            w.Int("read_ticks", c.ReadTicks);
            w.Int("write_ticks", c.WriteTicks);
            w.Int("in_queue", c.TimeInQueue);
            w.Float("util", disk.UtilPercent);
            w.EndObject();
        }
        w.EndArray();
        w.EndDocument();
    }

    private static void WriteOptions(FioJsonWriter w, string name, IReadOnlyList<KeyValuePair<string, string>> options)
    {
        w.StartObject(name);
        foreach (var (key, value) in options)
        {
            w.String(key, value);
        }
        w.EndObject();
    }

    private static void WriteJob(FioJsonWriter w, ThreadStat t, GroupStats group, ReportContext context, bool plus)
    {
        w.StartObject();
        w.String("jobname", t.Name);
        w.Int("groupid", t.GroupId);
        w.Int("job_start", new DateTimeOffset(t.JobStart).ToUnixTimeMilliseconds());
        w.Int("error", t.Error);
        w.String("verror", t.ErrorText);
        // fio reports no ETA for a run younger than 3 s (INT_MAX) and 0 once its jobs are done.
        w.Int("eta", context.ElapsedSeconds < 3 ? int.MaxValue : 0);
        w.Int("elapsed", context.ElapsedSeconds);
        // A job inherits the global options as it starts; fio lists only the job's own.
        var own = t.JobOptions.Where(o => !context.GlobalOptions.Contains(o)).ToList();
        if (own.Count > 0)
        {
            WriteOptions(w, "job options", own);
        }
        WriteDirection(w, "read", t.Stats.Read, t.Options, group, IoDir.Read, plus);
        WriteDirection(w, "write", t.Stats.Write, t.Options, group, IoDir.Write, plus);
        WriteDirection(w, "trim", t.Stats.Trim, t.Options, group, IoDir.Trim, plus);
        w.StartObject("sync");
        w.Int("total_ios", t.Stats.SyncLat.Samples);
        WriteLatency(w, "lat_ns", t.Stats.SyncLat, t.Stats.SyncHistogram, t.Options, plus);
        w.EndObject();
        w.Int("job_runtime", t.TotalRunTimeMs);
        w.Float("usr_cpu", t.UsrCpuPercent);
        w.Float("sys_cpu", t.SysCpuPercent);
        w.Int("ctx", t.ContextSwitches);
        w.Int("majf", t.MajorFaults);
        w.Int("minf", t.MinorFaults);
        JobStats s = t.Stats;
        WriteShares(w, "iodepth_level", s_depthLabels, s.DepthMap, s.TotalIos, 0.1);
        WriteShares(w, "iodepth_submit", s_batchLabels, s.SubmitMap, s.TotalSubmitBatches, 0.1);
        WriteShares(w, "iodepth_complete", s_batchLabels, s.CompleteMap, s.TotalCompleteBatches, 0.1);
        string[] decades = [.. JobStats.DecadeBounds.Select(b => b.ToString(CultureInfo.InvariantCulture))];
        WriteShares(w, "latency_ns", decades, s.LatNsec, s.TotalIos, 0.01);
        WriteShares(w, "latency_us", decades, s.LatUsec, s.TotalIos, 0.01);
        WriteShares(w, "latency_ms", JobStats.MsecLabels, s.LatMsec, s.TotalIos, 0.01);
        if (t.ContinuesOnError)
        {
            w.Int("total_err", t.TotalErrors);
            w.Int("first_error", t.FirstError);
        }
        w.Int("latency_depth", t.LatencyDepth);
        JobPlan plan = t.Members[^1].Plan;
        w.Int("latency_target", plan.Get(Opt.LatencyTarget) * 1000);
        w.Float("latency_percentile", plan.Get(Opt.LatencyTarget) > 0 ? plan.Get(Opt.LatencyPercentile) : 100.0);
        w.Int("latency_window", plan.Get(Opt.LatencyWindow));
        SteadyStateReport.WriteJson(w, t);
        w.String("desc", t.Description);
        WritePins(w, t.Pins, s.TotalIos);
        w.EndObject();
    }

    private static void WriteDirection(FioJsonWriter w, string name, DirStats d, ReportOptions options, GroupStats? group, IoDir dir, bool plus)
    {
        long runtime = d.RuntimeMs;
        long bwBytes = runtime > 0 ? d.IoBytes * 1000 / runtime : 0;
        w.StartObject(name);
        w.Int("io_bytes", d.IoBytes);
        w.Int("io_kbytes", d.IoBytes >> 10);
        w.Int("bw_bytes", bwBytes);
        w.Int("bw", bwBytes / 1024);
        w.Float("iops", runtime > 0 ? d.TotalIos * 1000.0 / runtime : 0.0);
        w.Int("runtime", runtime);
        w.Int("total_ios", d.TotalIos);
        w.Int("short_ios", d.ShortIos);
        w.Int("drop_ios", 0);
        WriteLatency(w, "slat_ns", d.Slat, null, options, plus);
        WriteLatency(w, "clat_ns", d.Clat, options.ClatPercentiles ? d.ClatHistogram : null, options, plus);
        WriteLatency(w, "lat_ns", d.Lat, options.LatPercentiles ? d.LatHistogram : null, options, plus);
        PrioReport.WriteJson(w, d, options, plus);
        bool sampled = d.Bw.Samples > 0;
        w.Int("bw_min", sampled ? d.Bw.Min : 0);
        w.Int("bw_max", sampled ? d.Bw.Max : 0);
        w.Float("bw_agg", sampled && group is not null ? group.PercentOfAggregate(dir, d.Bw.Mean) : 0.0);
        w.Float("bw_mean", sampled ? d.Bw.Mean : 0);
        w.Float("bw_dev", sampled ? d.Bw.StdDev : 0);
        w.Int("bw_samples", d.Bw.Samples);
        bool iopsSampled = d.Iops.Samples > 0;
        w.Int("iops_min", iopsSampled ? d.Iops.Min : 0);
        w.Int("iops_max", iopsSampled ? d.Iops.Max : 0);
        w.Float("iops_mean", iopsSampled ? d.Iops.Mean : 0);
        w.Float("iops_stddev", iopsSampled ? d.Iops.StdDev : 0);
        w.Int("iops_samples", d.Iops.Samples);
        w.EndObject();
    }

    /// <summary>min, max, mean, stddev, N; with a histogram, its percentiles (and with json+ its bins).</summary>
    internal static void WriteLatency(FioJsonWriter w, string name, RunningStat stat, LatencyHistogram? histogram, ReportOptions options, bool plus)
    {
        bool any = stat.Samples > 0;
        w.StartObject(name);
        w.Int("min", any ? stat.Min : 0);
        w.Int("max", any ? stat.Max : 0);
        w.Float("mean", any ? stat.Mean : 0);
        w.Float("stddev", any ? stat.StdDev : 0);
        w.Int("N", stat.Samples);
        if (histogram is { Count: > 0 } && options.Percentiles.Count > 0)
        {
            long[] values = histogram.Percentiles(options.Percentiles);
            w.StartObject("percentile");
            for (int i = 0; i < values.Length; i++)
            {
                w.Int(PercentileKey(options.Percentiles[i]), values[i]);
            }
            w.EndObject();
            if (plus)
            {
                w.StartObject("bins");
                for (int b = 0; b < LatencyHistogram.BucketCount; b++)
                {
                    if (histogram[b] > 0)
                    {
                        w.Int(LatencyHistogram.ValueOf(b).ToString(CultureInfo.InvariantCulture), histogram[b]);
                    }
                }
                w.EndObject();
            }
        }
        w.EndObject();
    }

    /// <summary>fio's key for a percentile: printf's "%f" ("99.000000", "99.990000").</summary>
    public static string PercentileKey(double percentile) => FioJsonWriter.Fixed6(percentile);

    /// <summary>Counts as percentages of <paramref name="total"/>, a used bucket shown as at least <paramref name="floor"/> (fio's stat_calc_dist and stat_calc_lat).</summary>
    private static void WriteShares(FioJsonWriter w, string name, string[] labels, long[] counts, long total, double floor)
    {
        w.StartObject(name);
        for (int i = 0; i < labels.Length; i++)
        {
            w.Float(labels[i], Share(counts[i], total, floor));
        }
        w.EndObject();
    }

    public static double Share(long count, long total, double floor)
    {
        if (total == 0)
        {
            return 0;
        }
        double percent = count * 100.0 / total;
        return count > 0 && percent < floor ? floor : percent;
    }

    private static void WritePins(FioJsonWriter w, PinCounts pins, long ios)
    {
        w.StartObject("pins");
        w.StartObject("pinio");
        w.Int("acquired", pins.Acquired);
        w.Int("released", pins.Released);
        w.Float("per_io", ios == 0 ? 0 : (double)pins.Acquired / ios);
        w.EndObject();
        if (pins.KernelAvailable)
        {
            w.StartObject("kernel");
            w.Int("acquired", pins.KernelAcquired);
            w.Int("released", pins.KernelReleased);
            long kernelIos = pins.KernelIos > 0 ? pins.KernelIos : ios;
            w.Float("per_io", kernelIos == 0 ? 0 : (double)pins.KernelAcquired / kernelIos);
            w.EndObject();
        }
        else
        {
            w.Null("kernel");
        }
        if (pins.Cache is { } cache)
        {
            w.StartObject("page_cache");
            w.Int("hits", cache.Hits);
            w.Int("misses", cache.Misses);
            w.Float("hit_percent", cache.HitPercent);
            w.Int("readahead_pages", cache.ReadaheadPages);
            w.Int("writeback_pages", cache.WritebackPages);
            w.Int("stable_copies", cache.StableCopies);
            w.EndObject();
        }
        w.EndObject();
    }
}
