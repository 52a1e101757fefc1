using System.Reflection;
using PinIo.Cli.Jobs;
using static System.FormattableString;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Cli.Stats;
using static PinIo.Cli.Report.FioFormat;

namespace PinIo.Cli.Report;

/// <summary>
/// fio's normal text report (stat.c show_thread_status_normal and show_group_stats), line for
/// line where pinio measures the same thing, plus pinio's own "pins" line: pages pinned and
/// unpinned per I/O by PinIo and by the kernel.
/// </summary>
internal static class NormalReport
{
    /// <summary>
    /// "pinio-" and the package version (Directory.Build.props, the one place it is declared),
    /// without the "+commit" that SourceLink appends to the informational version.
    /// </summary>
    public static readonly string Version = "pinio-" + typeof(NormalReport).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];

    /// <summary>What fio prints before the jobs run: a header line per job, the version, the thread count.</summary>
    public static void WriteStart(TextWriter w, IReadOnlyList<JobPlan> plans)
    {
        string? previous = null;
        foreach (JobPlan plan in plans)
        {
            bool clone = previous == plan.Name && plan.Options.Get(Opt.NumJobs) > 1;
            w.WriteLine(clone ? "..." : JobHeader(plan));
            previous = plan.Name;
        }
        w.WriteLine(Version);
        w.WriteLine(Invariant($"Starting {plans.Count} thread{(plans.Count == 1 ? "" : "s")}"));
        foreach (JobPlan plan in plans.DistinctBy(p => p.Name))
        {
            if (plan.Get(Opt.IoDepth) > 1 && plan.Get(Opt.IoEngine).IsSynchronous())
            {
                w.WriteLine("note: both iodepth >= 1 and synchronous I/O engine are selected, queue depth will be capped at 1");
            }
            if (plan.Rw.HasReads() && plan.Target.NeedsLayout && !plan.Get(Opt.VerifyOnly))
            {
                w.WriteLine(Invariant($"{plan.Name}: Laying out IO region ({plan.Target.Filename} / {Num2Str((ulong)plan.Size, 4, true, NumUnit.Byte)})"));
            }
        }
    }

    /// <summary>"main: (g=0): rw=randread, bs=(R) 4096B-4096B, (W) 4096B-4096B, (T) 4096B-4096B, ioengine=io_uring, iodepth=32".</summary>
    public static string JobHeader(JobPlan plan)
    {
        return Invariant($"{plan.Name}: (g={plan.GroupId}): rw={plan.Rw.FioName()}, bs=(R) {plan.Bs.Read}, (W) {plan.Bs.Write}, (T) {plan.Bs.Write}, ioengine={plan.Get(Opt.IoEngine).FioName()}, iodepth={plan.Get(Opt.IoDepth)}");
    }

    /// <summary>The report of <paramref name="results"/>, each job's own report options applied (a shortcut for tests and callers without a context).</summary>
    public static void Write(TextWriter w, IReadOnlyList<JobResult> results, int pid)
    {
        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build(results);
        Write(w, blocks, GroupStats.From(blocks), new ReportContext { Pid = pid });
    }

    /// <summary>
    /// The report after the run: a newline (which also ends a progress line), every block,
    /// the "Run status group" lines of every group, then the disks' counters, as fio's
    /// __show_run_stats prints them.
    /// </summary>
    public static void Write(TextWriter w, IReadOnlyList<ThreadStat> blocks, IReadOnlyList<GroupStats> groups, ReportContext context)
    {
        w.Write('\n');
        foreach (ThreadStat block in blocks)
        {
            WriteJob(w, block, groups[block.GroupId], context);
        }
        foreach (GroupStats group in groups)
        {
            WriteGroup(w, group);
        }
        if (context.Disks.Count > 0)
        {
            w.Write("\nDisk stats (read/write):\n");
            foreach (DiskUtil disk in context.Disks)
            {
                DiskCounters c = disk.Counters;
                w.Write(Invariant($"  {disk.Name}: ios={c.ReadIos}/{c.WriteIos}, sectors={c.ReadSectors}/{c.WriteSectors}, merge={c.ReadMerges}/{c.WriteMerges}, ticks={c.ReadTicks}/{c.WriteTicks}, in_queue={c.TimeInQueue}, util={Fixed(disk.UtilPercent, 3, 2)}%\n"));
            }
        }
    }

    private static void WriteJob(TextWriter w, ThreadStat t, GroupStats group, ReportContext context)
    {
        if (t.Stats.Read.IoBytes + t.Stats.Write.IoBytes + t.Stats.Trim.IoBytes == 0 && t.Stats.TotalIos == 0 && t.Error == 0)
        {
            // fio prints nothing for a job that did no I/O.
            return;
        }
        string err = t.Error == 0 ? "err= 0" : Invariant($"err={t.Error,2} ({t.ErrorText})");
        w.Write(Invariant($"{t.Name}: (groupid={t.GroupId}, jobs={t.Members.Count}): {err}: pid={context.Pid}: {CTime(context.Time.LocalDateTime)}\n"));
        if (t.Description is { Length: > 0 } description)
        {
            w.Write(Invariant($"  Description  : [{description}]\n"));
        }
        foreach (IoDir dir in IoDirs.All)
        {
            if (t.Stats[dir].IoBytes > 0 && t.Stats[dir].RuntimeMs > 0)
            {
                WriteDirection(w, dir, t.Stats[dir], t.Options, group, ZoneResetsText(t));
            }
        }
        WriteLatencyDecades(w, t.Stats);
        JobStats s = t.Stats;
        if (s.SyncLat.Samples > 0)
        {
            w.Write("  fsync/fdatasync/sync_file_range:\n");
            WriteLatencyLine(w, "sync", s.SyncLat);
            if (t.Options.ClatPercentiles)
            {
                WritePercentiles(w, "sync", s.SyncHistogram, t.Options);
            }
        }
        w.Write(Invariant($"  cpu          : usr={Fixed(t.UsrCpuPercent, 3, 2)}%, sys={Fixed(t.SysCpuPercent, 3, 2)}%, ctx={t.ContextSwitches}, majf={t.MajorFaults}, minf={t.MinorFaults}\n"));
        w.Write(Invariant($"  IO depths    : {Distribution(["1", "2", "4", "8", "16", "32", ">=64"], s.DepthMap, s.TotalIos)}\n"));
        w.Write(Invariant($"     submit    : {Distribution(["0", "4", "8", "16", "32", "64", ">=64"], s.SubmitMap, s.TotalSubmitBatches)}\n"));
        w.Write(Invariant($"     complete  : {Distribution(["0", "4", "8", "16", "32", "64", ">=64"], s.CompleteMap, s.TotalCompleteBatches)}\n"));
        w.Write(Invariant($"     issued rwts: total={s.Read.TotalIos},{s.Write.TotalIos},{s.Trim.TotalIos},{s.SyncLat.Samples} short={s.Read.ShortIos},{s.Write.ShortIos},{s.Trim.ShortIos},0 dropped=0,0,0,0\n"));
        if (t.ContinuesOnError)
        {
            w.Write(Invariant($"     errors    : total={t.TotalErrors}, first_error={t.FirstError}/<{ErrnoText(t.FirstError)}>\n"));
        }
        w.Write(Invariant($"     latency   : {LatencyTargetText(t.Members[^1].Plan)}, depth={t.LatencyDepth}\n"));
        SteadyStateReport.WriteNormal(w, t);
        w.Write(Invariant($"  pins         : {PinsText(t.Pins, s.TotalIos)}\n"));
        foreach (var failure in t.VerifyFailures)
        {
            w.Write(Invariant($"  {failure.Message}\n"));
        }
    }

    /// <summary>fio's "target=0, window=0, percentile=100.00%", or with latency_target its values scaled as fio's (target=500.00msec, window=5.00sec).</summary>
    private static string LatencyTargetText(JobPlan plan)
    {
        long target = plan.Get(Opt.LatencyTarget);
        if (target == 0)
        {
            return "target=0, window=0, percentile=100.00%";
        }
        return Invariant($"target={ScaleNs(target * 1000)}, window={ScaleNs(plan.Get(Opt.LatencyWindow) * 1000)}, percentile={Fixed(plan.Get(Opt.LatencyPercentile), 0, 2)}%");

        static string ScaleNs(long ns) => ns >= 1_000_000_000 ? Invariant($"{ns / 1e9:F2}sec") : ns >= 1_000_000 ? Invariant($"{ns / 1e6:F2}msec") : ns >= 1000 ? Invariant($"{ns / 1e3:F2}usec") : Invariant($"{ns}.00nsec");
    }

    /// <summary>"pinio acquired=N released=N (X.XX per I/O), kernel acquired=N released=N (X.XX per I/O)".</summary>
    public static string PinsText(PinCounts pins, long ios)
    {
        string pinio = Invariant($"pinio acquired={pins.Acquired} released={pins.Released} ({PerIo(pins.Acquired, ios)} per I/O)");
        string kernel = pins.KernelAvailable
            ? Invariant($"kernel acquired={pins.KernelAcquired} released={pins.KernelReleased} ({PerIo(pins.KernelAcquired, pins.KernelIos > 0 ? pins.KernelIos : ios)} per I/O)")
            : "kernel unavailable";
        return pins.Cache is { } cache ? Invariant($"{pinio}, {kernel}, {CacheText(cache)}") : Invariant($"{pinio}, {kernel}");
    }

    /// <summary>"page cache hits=N misses=N (X.XX% hits) readahead=N writeback=N stable_copies=N" (pages).</summary>
    public static string CacheText(CacheCounts cache) =>
        Invariant($"page cache hits={cache.Hits} misses={cache.Misses} ({Fixed(cache.HitPercent, 0, 2)}% hits) readahead={cache.ReadaheadPages} writeback={cache.WritebackPages} stable_copies={cache.StableCopies}");

    private static string PerIo(long count, long ios) => Fixed(ios == 0 ? 0 : (double)count / ios, 0, 2);

    /// <summary>
    /// fio's zbd_write_status after each direction of a job (or group) that counts zone resets,
    /// as fio's current source prints it: "; N zone resets". fio 3.33 printed it after every
    /// write line, "; 0 zone resets" for jobs without zones too.
    /// </summary>
    private static string ZoneResetsText(ThreadStat t)
    {
        long? resets = null;
        foreach (JobResult member in t.Members)
        {
            if (member.ZoneResets is long n)
            {
                resets = (resets ?? 0) + n;
            }
        }
        return resets is long total ? Invariant($"; {total} zone resets") : "";
    }

    private static void WriteDirection(TextWriter w, IoDir dir, DirStats d, ReportOptions options, GroupStats group, string suffix)
    {
        long runtime = Math.Max(1, d.RuntimeMs);
        ulong bw = (ulong)(d.IoBytes * 1000 / runtime);
        ulong iops = (ulong)(d.TotalIos * 1000 / runtime);
        string name = IoDirs.Name(dir);
        w.WriteLine(Invariant($"  {name}: IOPS={Num2Str(iops, 4, false, NumUnit.None)}, BW={Num2Str(bw, 4, true, NumUnit.BytePerSecond)} ({Num2Str(bw, 4, false, NumUnit.BytePerSecond)})({Num2Str((ulong)d.IoBytes, 4, true, NumUnit.Byte)}/{d.RuntimeMs}msec){suffix}"));
        WriteLatencyLine(w, "slat", d.Slat);
        WriteLatencyLine(w, "clat", d.Clat);
        WriteLatencyLine(w, " lat", d.Lat);
        PrioReport.WriteLatencyLines(w, d);
        if (options.ClatPercentiles)
        {
            WritePercentiles(w, "clat", d.ClatHistogram, options);
        }
        if (options.LatPercentiles)
        {
            WritePercentiles(w, "lat", d.LatHistogram, options);
        }
        PrioReport.WritePercentiles(w, d, options);
        if (d.Bw.Samples > 0)
        {
            double mean = d.Bw.Mean;
            double per = group.PercentOfAggregate(dir, mean);
            (double min, double max, double dev, string unit) = (d.Bw.Min, d.Bw.Max, d.Bw.StdDev, "KiB");
            if (mean > 1024.0 * 1024.0)
            {
                (min, max, mean, dev, unit) = (min / 1024, max / 1024, mean / 1024, dev / 1024, "MiB");
            }
            w.WriteLine(Invariant($"   bw ({unit,5}/s): min={Int((long)min, 5)}, max={Int((long)max, 5)}, per={Fixed(per, 3, 2)}%, avg={Fixed(mean, 5, 2)}, stdev={Fixed(dev, 5, 2)}, samples={d.Bw.Samples}"));
            w.WriteLine(Invariant($"   iops        : min={Int(d.Iops.Min, 5)}, max={Int(d.Iops.Max, 5)}, avg={Fixed(d.Iops.Mean, 5, 2)}, stdev={Fixed(d.Iops.StdDev, 5, 2)}, samples={d.Iops.Samples}"));
        }
    }

    internal static void WriteLatencyLine(TextWriter w, string name, RunningStat stat)
    {
        if (stat.Samples == 0)
        {
            return;
        }
        long min = stat.Min;
        long max = stat.Max;
        double mean = stat.Mean;
        double dev = stat.StdDev;
        string unit = ScaleLatency(ref min, ref max, ref mean, ref dev);
        w.WriteLine(Invariant($"    {name} ({unit}): min={Num2Str((ulong)min, 6, false, NumUnit.None)}, max={Num2Str((ulong)max, 6, false, NumUnit.None)}, avg={Fixed(mean, 5, 2)}, stdev={Fixed(dev, 5, 2)}"));
    }

    /// <summary>
    /// fio's percentile block ("    clat percentiles (usec):" then "     |  1.00th=[   40], ..."):
    /// one unit for the block from the range of its values, as many decimals as the list's
    /// precision, as many entries a line as fit in 80 columns.
    /// </summary>
    public static void WritePercentiles(TextWriter w, string name, LatencyHistogram histogram, ReportOptions options)
    {
        IReadOnlyList<double> percentiles = options.Percentiles;
        if (histogram.Count == 0 || percentiles.Count == 0)
        {
            return;
        }
        long[] values = histogram.Percentiles(percentiles);
        long minValue = values.Min();
        long maxValue = values.Max();
        (string unit, int scaleDowns, long divisor) = minValue > 2_000_000 && maxValue > 99_999_999 ? ("msec", 2, 1_000_000L)
            : minValue > 2000 && maxValue > 99_999 ? ("usec", 1, 1000L)
            : ("nsec", 0, 1L);
        for (int i = 0; i < values.Length; i++)
        {
            for (int s = 0; s < scaleDowns; s++)
            {
                values[i] = (values[i] + 999) / 1000;
            }
        }
        int precision = options.PercentilePrecision;
        int width = Math.Max(5, (int)Math.Log10(Math.Max(1, maxValue / divisor)) + 1);
        int perLine = Math.Max(1, (80 - 7) / (precision + 10 + width));
        w.Write(Invariant($"    {name} percentiles ({unit}):\n     |"));
        for (int i = 0; i < values.Length; i++)
        {
            if (i != 0 && i % perLine == 0)
            {
                w.Write("     |");
            }
            bool last = i == values.Length - 1;
            w.Write(Invariant($" {Fixed(percentiles[i], precision + 3, precision)}th=[{Int(values[i], width)}]{(last ? '\n' : ',')}"));
            if (!last && i % perLine == perLine - 1)
            {
                w.Write('\n');
            }
        }
    }

    /// <summary>"  lat (usec)   : 2=0.01%, 4=..." from the decades, five entries a line, empty decades left out.</summary>
    private static void WriteLatencyDecades(TextWriter w, JobStats s)
    {
        string[] decades = [.. JobStats.DecadeBounds.Select(b => b.ToString(Inv))];
        WriteDecadeLines(w, "nsec", decades, s.LatNsec, s.TotalIos);
        WriteDecadeLines(w, "usec", decades, s.LatUsec, s.TotalIos);
        WriteDecadeLines(w, "msec", JobStats.MsecLabels, s.LatMsec, s.TotalIos);
    }

    private static void WriteDecadeLines(TextWriter w, string unit, string[] labels, long[] counts, long total)
    {
        if (total == 0)
        {
            return;
        }
        int onLine = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }
            double percent = Math.Max(0.01, counts[i] * 100.0 / total);
            w.Write(onLine == 0 ? $"  lat ({unit})   : " : ", ");
            w.Write(Invariant($"{labels[i]}={Fixed(percent, 3, 2)}%"));
            if (++onLine == 5)
            {
                w.WriteLine();
                onLine = 0;
            }
        }
        if (onLine > 0)
        {
            w.WriteLine();
        }
    }

    /// <summary>"1=0.1%, 2=0.1%, ..." with fio's floor of 0.1% for any bucket that was used.</summary>
    private static string Distribution(string[] labels, long[] counts, long total)
    {
        var parts = new string[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            double percent = total == 0 ? 0 : counts[i] * 100.0 / total;
            if (percent < 0.1 && counts[i] > 0)
            {
                percent = 0.1;
            }
            parts[i] = $"{labels[i]}={Fixed(percent, 3, 1)}%";
        }
        return string.Join(", ", parts);
    }

    /// <summary>"\nRun status group N (all jobs):" and a READ and/or WRITE line: aggregate bandwidth, the slowest-fastest range, bytes and runtimes.</summary>
    public static void WriteGroup(TextWriter w, GroupStats g)
    {
        w.Write(Invariant($"\nRun status group {g.GroupId} (all jobs):\n"));
        string[] names = ["   READ", "  WRITE", "   TRIM"];
        for (int d = 0; d < IoDirs.Count; d++)
        {
            if (g.MaxRunMs[d] == 0)
            {
                continue;
            }
            string Bw(long v, bool binary) => Num2Str((ulong)v, 4, binary, NumUnit.BytePerSecond);
            string io = Num2Str((ulong)g.IoBytes[d], 4, true, NumUnit.Byte);
            string ioAlt = Num2Str((ulong)g.IoBytes[d], 4, false, NumUnit.Byte);
            w.Write(Invariant($"{names[d]}: bw={Bw(g.AggBw[d], true)} ({Bw(g.AggBw[d], false)}), {Bw(g.MinBw[d], true)}-{Bw(g.MaxBw[d], true)} ({Bw(g.MinBw[d], false)}-{Bw(g.MaxBw[d], false)}), io={io} ({ioAlt}), run={g.MinRunMs[d]}-{g.MaxRunMs[d]}msec\n"));
        }
    }

    /// <summary>strerror's text for the errnos pinio reports, else the number.</summary>
    private static string ErrnoText(int errno) => errno switch
    {
        0 => "Success",
        5 => "Input/output error",
        28 => "No space left on device",
        84 => "Invalid or incomplete multibyte or wide character",
        _ => Enum.IsDefined((Errno)errno) ? ((Errno)errno).ToString() : Invariant($"errno {errno}"),
    };
}
