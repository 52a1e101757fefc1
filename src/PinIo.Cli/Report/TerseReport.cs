using System.Globalization;
using System.Text;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Report;

/// <summary>
/// <c>--output-format=terse</c> and <c>--minimal</c>: fio's terse format, version 3 (stat.c
/// show_thread_status_terse_all), one semicolon-separated line per block: version, fio version,
/// job name, group, error; per direction (read, write) KiB, KiB/s, IOPS, runtime, slat, clat,
/// 20 clat percentiles (or lat percentiles with lat_percentiles), lat and bandwidth; CPU; IO
/// depths; the latency distribution in µs (ns folded into the first bucket) and ms; nine
/// fields for each block device under the jobs' files; the description when there is one.
/// Latencies are in µs, as fio writes them here: 121 fields without a disk or a description.
/// pinio adds nothing to this line: its fields are positional.
/// </summary>
internal static class TerseReport
{
    public const int Version = 3;

    /// <summary>fio's FIO_IO_U_LIST_MAX_LEN: the percentile slots each direction always has.</summary>
    public const int PercentileSlots = 20;

    public static void Write(TextWriter w, IReadOnlyList<ThreadStat> blocks, IReadOnlyList<GroupStats> groups, ReportContext context)
    {
        foreach (ThreadStat block in blocks)
        {
            w.Write(Line(block, groups[block.GroupId], context));
            w.Write('\n');
        }
    }

    public static string Line(ThreadStat t, GroupStats group, ReportContext context)
    {
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"{Version};{context.Version};{t.Name};{t.GroupId};{t.Error}");
        Direction(line, t.Stats.Read, t.Options, group, IoDir.Read);
        Direction(line, t.Stats.Write, t.Options, group, IoDir.Write);
        line.Append(CultureInfo.InvariantCulture, $";{F(t.UsrCpuPercent)}%;{F(t.SysCpuPercent)}%;{t.ContextSwitches};{t.MajorFaults};{t.MinorFaults}");
        JobStats s = t.Stats;
        for (int i = 0; i < s.DepthMap.Length; i++)
        {
            line.Append(';').Append(JsonReport.Share(s.DepthMap[i], s.TotalIos, 0.1).ToString("F1", CultureInfo.InvariantCulture)).Append('%');
        }
        long nsec = s.LatNsec.Sum();
        for (int i = 0; i < s.LatUsec.Length; i++)
        {
            double share = JsonReport.Share(s.LatUsec[i], s.TotalIos, 0.01);
            if (i == 0 && s.TotalIos > 0)
            {
                share += nsec * 100.0 / s.TotalIos;
            }
            line.Append(';').Append(share.ToString("F2", CultureInfo.InvariantCulture)).Append('%');
        }
        foreach (long count in s.LatMsec)
        {
            line.Append(';').Append(JsonReport.Share(count, s.TotalIos, 0.01).ToString("F2", CultureInfo.InvariantCulture)).Append('%');
        }
        foreach (DiskUtil disk in context.Disks)
        {
            DiskCounters c = disk.Counters;
            line.Append(CultureInfo.InvariantCulture, $";{disk.Name};{c.ReadIos};{c.WriteIos};{c.ReadMerges};{c.WriteMerges};{c.ReadTicks};{c.WriteTicks};{c.TimeInQueue};{disk.UtilPercent:F2}%");
        }
        if (t.ContinuesOnError)
        {
            // fio: continue_on_error adds total_err and first_error before the description.
            line.Append(CultureInfo.InvariantCulture, $";{t.TotalErrors};{t.FirstError}");
        }
        if (!string.IsNullOrEmpty(t.Description))
        {
            line.Append(';').Append(t.Description);
        }
        return line.ToString();
    }

    private static void Direction(StringBuilder line, DirStats d, ReportOptions options, GroupStats group, IoDir dir)
    {
        long runtime = d.RuntimeMs;
        long bw = runtime > 0 ? d.IoBytes * 1000 / runtime / 1024 : 0;
        long iops = runtime > 0 ? d.TotalIos * 1000 / runtime : 0;
        line.Append(CultureInfo.InvariantCulture, $";{d.IoBytes >> 10};{bw};{iops};{runtime}");
        Latency(line, d.Slat);
        Latency(line, d.Clat);
        LatencyHistogram? histogram = options.LatPercentiles ? d.LatHistogram : options.ClatPercentiles ? d.ClatHistogram : null;
        // With percentiles on and no samples fio still lists them, each 0.
        long[] values = histogram is null ? [] : histogram.Count > 0 ? histogram.Percentiles(options.Percentiles) : new long[options.Percentiles.Count];
        for (int i = 0; i < PercentileSlots; i++)
        {
            if (i < values.Length)
            {
                line.Append(CultureInfo.InvariantCulture, $";{F(options.Percentiles[i])}%={values[i] / 1000}");
            }
            else
            {
                line.Append(";0%=0");
            }
        }
        Latency(line, d.Lat);
        if (d.Bw.Samples > 0)
        {
            long agg = group.AggBw[(int)dir];
            double perOfAgg = agg / 1024 > 0 ? Math.Min(100.0, d.Bw.Mean * 100 / (agg / 1024)) : 100.0;
            line.Append(CultureInfo.InvariantCulture, $";{d.Bw.Min};{d.Bw.Max};{F(perOfAgg)}%;{F(d.Bw.Mean)};{F(d.Bw.StdDev)}");
        }
        else
        {
            line.Append(";0;0;0.000000%;0.000000;0.000000");
        }
    }

    /// <summary>min;max;mean;stdev in µs (integer min and max, as fio divides them).</summary>
    private static void Latency(StringBuilder line, RunningStat stat)
    {
        if (stat.Samples == 0)
        {
            line.Append(";0;0;0.000000;0.000000");
            return;
        }
        line.Append(CultureInfo.InvariantCulture, $";{stat.Min / 1000};{stat.Max / 1000};{F(stat.Mean / 1000)};{F(stat.StdDev / 1000)}");
    }

    private static string F(double value) => FioJsonWriter.Fixed6(value);
}
