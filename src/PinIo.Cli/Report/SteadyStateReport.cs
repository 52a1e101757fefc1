// Follows fio's stat.c (show_ss_normal and the "steadystate" object of show_thread_status_json) in meaning, not in code.
using System.Globalization;
using PinIo.Cli.Runner;
using static PinIo.Cli.Report.FioFormat;

namespace PinIo.Cli.Report;

/// <summary>A job's steadystate result as fio reports it: the JSON object (ss, duration, attained, criterion, max_deviation, slope, data) and the normal output's line.</summary>
internal static class SteadyStateReport
{
    public static void WriteJson(FioJsonWriter w, ThreadStat t)
    {
        if (Of(t) is not { } ss)
        {
            return;
        }
        w.StartObject("steadystate");
        w.String("ss", ss.Spec.FioName);
        w.Int("duration", ss.DurationSeconds);
        w.Int("attained", ss.Attained ? 1 : 0);
        w.String("criterion", string.Create(CultureInfo.InvariantCulture, $"{ss.Criterion:F6}{(ss.Spec.Percent ? "%" : "")}"));
        w.Float("max_deviation", ss.MaxDeviation);
        w.Float("slope", ss.Slope);
        w.StartObject("data");
        w.Int("bw_mean", ss.BwMean);
        w.Int("iops_mean", ss.IopsMean);
        Array(w, "iops", ss.Iops);
        Array(w, "bw", ss.Bw);
        w.EndObject();
        w.EndObject();
    }

    /// <summary>"  steadystate  : attained=yes, bw=8720MiB/s (8929MB/s), iops=2232k, iops mean dev=13.604%".</summary>
    public static void WriteNormal(TextWriter w, ThreadStat t)
    {
        if (Of(t) is not { } ss)
        {
            return;
        }
        ulong bw = (ulong)ss.BwMean;
        string measure = ss.Spec.Metric == Options.SteadyStateMetric.Iops ? "iops" : "bw";
        w.Write(string.Create(CultureInfo.InvariantCulture,
            $"  steadystate  : attained={(ss.Attained ? "yes" : "no")}, bw={Num2Str(bw, 4, true, NumUnit.BytePerSecond)} ({Num2Str(bw, 4, false, NumUnit.BytePerSecond)}), iops={Num2Str((ulong)ss.IopsMean, 4, false, NumUnit.None)}, {measure}{(ss.Spec.Slope ? " slope" : " mean dev")}={ss.Criterion:F3}{(ss.Spec.Percent ? "%" : "")}\n"));
    }

    private static SteadyStateResult? Of(ThreadStat t) => t.Members.Select(m => m.SteadyState).FirstOrDefault(s => s is not null);

    private static void Array(FioJsonWriter w, string name, long[] values)
    {
        w.StartArray(name);
        foreach (long value in values)
        {
            w.Element(value);
        }
        w.EndArray();
    }
}
