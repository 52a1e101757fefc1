// Follows fio's eta.c (thread_eta, calc_rate, display_thread_status) in behaviour; own code.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Report;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Progress;

/// <summary>What the progress line needs to know of a job beforehand: its letter, the bytes it plans to move and for how long it may run.</summary>
internal sealed record ProgressJob(char Letter, long BytesTotal, long RuntimeSeconds, bool TimeBased, bool Stonewall = false)
{
    /// <summary>
    /// fio's view of a job: 'r'/'R' random or sequential reads, 'w'/'W' writes (trimwrite too), 'd'/'D' trims, 'm'/'M' a mix;
    /// the bytes are size × loops, doubled when the written data is read back for verification
    /// (a mix adds its write share), as fio's thread_eta counts them.
    /// </summary>
    public static ProgressJob From(JobPlan plan)
    {
        bool random = plan.Rw.IsRandom();
        char letter = plan.Rw.IsMixed()
            ? plan.RwMixRead == 100 ? 'r' : plan.RwMixRead == 0 ? 'w' : 'm'
            : plan.Rw.HasReads() ? 'r' : plan.Rw.HasWrites() ? 'w' : 'd';
        if (!random)
        {
            letter = char.ToUpperInvariant(letter);
        }
        long total = plan.IoBudget;
        if (plan.Verify != VerifyKind.None && plan.Get(Opt.DoVerify) && plan.Rw.HasWrites())
        {
            total += plan.Rw.IsMixed() ? total * (100 - plan.RwMixRead) / 100 : total;
        }
        bool stonewall = plan.Options.Written.Any(o => o.Key == Opt.Stonewall.Name && o.Value is not ("0" or "false"));
        return new ProgressJob(letter, total, (plan.Get(Opt.Runtime) + 999_999) / 1_000_000, plan.Get(Opt.TimeBased), stonewall);
    }
}

/// <summary>
/// fio's live status line, a pure function of two rounds of snapshots:
/// <c>Jobs: 1 (f=1): [r(1)][45.0%][r=1145MiB/s][r=293k IOPS][eta 00m:05s]</c> — jobs running
/// (and their files), each job's state letter run-length condensed, the share of the run done,
/// the bandwidth and IOPS since the previous round for each direction that moved, and the time
/// left: the longest of the jobs' (fio's thread_eta: bytes done of bytes planned, or time of
/// runtime for a time-based job, capped by the runtime left), plus the time of each job still
/// waiting behind a stonewall.
/// </summary>
internal static class ProgressLine
{
    public static string Format(
        IReadOnlyList<ProgressJob> jobs,
        IReadOnlyList<JobProgressSnapshot> previous,
        IReadOnlyList<JobProgressSnapshot> now,
        long elapsedSeconds)
    {
        int running = 0;
        long eta = 0;
        long waiting = 0;
        var states = new StringBuilder(jobs.Count);
        long[] bytes = new long[IoDirs.Count];
        long[] ios = new long[IoDirs.Count];
        long ticks = 0;
        for (int i = 0; i < jobs.Count; i++)
        {
            JobProgressSnapshot s = now[i];
            JobProgressSnapshot p = previous[i];
            if (s.Phase is JobPhase.Running or JobPhase.Verifying)
            {
                running++;
            }
            states.Append(Letter(jobs[i], s.Phase));
            // As fio: a job that waits behind a stonewall adds its time; the others overlap.
            if (s.Phase == JobPhase.Pending && jobs[i].Stonewall)
            {
                waiting += EtaSeconds(jobs[i], s);
            }
            else
            {
                eta = Math.Max(eta, EtaSeconds(jobs[i], s));
            }
            bytes[0] += s.ReadBytes - p.ReadBytes;
            bytes[1] += s.WriteBytes - p.WriteBytes;
            ios[0] += s.ReadIos - p.ReadIos;
            ios[1] += s.WriteIos - p.WriteIos;
            bytes[2] += s.TrimBytes - p.TrimBytes;
            ios[2] += s.TrimIos - p.TrimIos;
            // A job that began its measured phase since the last round moved its bytes since then.
            ticks = Math.Max(ticks, s.TakenAt - Math.Max(p.TakenAt, s.StartedAt));
        }
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"Jobs: {running} (f={running})");
        if (running == 0)
        {
            return line.ToString();
        }
        eta += waiting;
        long ms = ticks * 1000 / Stopwatch.Frequency;
        double done = elapsedSeconds + eta == 0 ? 0 : 100.0 * elapsedSeconds / (elapsedSeconds + eta);
        line.Append(CultureInfo.InvariantCulture, $": [{Condense(states.ToString())}][{done:F1}%]");
        line.Append(Rates(bytes, ios, ms));
        line.Append("[eta ").Append(EtaText(eta)).Append(']');
        return line.ToString();
    }

    /// <summary>A job's state letter: P pending, I laying out, its rw letter running, V verifying, _ done.</summary>
    public static char Letter(ProgressJob job, JobPhase phase) => phase switch
    {
        JobPhase.Pending => 'P',
        JobPhase.LayingOut => 'I',
        JobPhase.Running => job.Letter,
        JobPhase.Verifying => 'V',
        _ => '_',
    };

    /// <summary>fio's thread_eta for one job, in seconds.</summary>
    public static long EtaSeconds(ProgressJob job, JobProgressSnapshot s)
    {
        long timeout = job.RuntimeSeconds;
        switch (s.Phase)
        {
            case JobPhase.Running:
            case JobPhase.Verifying:
                long elapsed = s.ElapsedSeconds;
                double perc = job.BytesTotal > 0 ? Math.Min(1.0, (double)s.Bytes / job.BytesTotal) : 0;
                if (job.TimeBased && timeout > 0)
                {
                    perc = Math.Min(perc, (double)elapsed / timeout);
                }
                long eta = perc == 0 ? timeout : (long)(elapsed / perc) - elapsed;
                if (timeout > 0 && eta > timeout - elapsed)
                {
                    eta = timeout - elapsed;
                }
                return Math.Max(0, eta);
            case JobPhase.Pending:
            case JobPhase.LayingOut:
                return timeout;
            default:
                return 0;
        }
    }

    /// <summary>"r(2),w(1)": each run of equal letters as the letter and its count (fio's update_condensed_str).</summary>
    public static string Condense(string states)
    {
        var text = new StringBuilder();
        for (int i = 0; i < states.Length;)
        {
            int run = 1;
            while (i + run < states.Length && states[i + run] == states[i])
            {
                run++;
            }
            if (text.Length > 0)
            {
                text.Append(',');
            }
            text.Append(CultureInfo.InvariantCulture, $"{states[i]}({run})");
            i += run;
        }
        return text.ToString();
    }

    /// <summary>"00m:05s", with hours and days in front when there are any (fio's eta_to_str).</summary>
    public static string EtaText(long seconds)
    {
        long s = seconds % 60;
        long m = seconds / 60 % 60;
        long h = seconds / 3600 % 24;
        long d = seconds / 86400;
        var text = new StringBuilder();
        if (d > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{d:00}d:");
        }
        if (h > 0 || d > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{h:00}h:");
        }
        return text.Append(CultureInfo.InvariantCulture, $"{m:00}m:{s:00}s").ToString();
    }

    /// <summary>"[r=1145MiB/s,w=12.0MiB/s][r=293k,w=3072 IOPS]" for the directions that moved, or nothing.</summary>
    public static string Rates(long[] bytes, long[] ios, long ms)
    {
        char[] names = ['r', 'w', 't'];
        var rate = new StringBuilder("[");
        var iops = new StringBuilder("[");
        for (int d = 0; d < bytes.Length; d++)
        {
            ulong kib = ms > 0 ? (ulong)(Math.Max(0, bytes[d]) * 1000 / ms / 1024) : 0;
            ulong perSecond = ms > 0 ? (ulong)(Math.Max(0, ios[d]) * 1000 / ms) : 0;
            if (kib == 0 && perSecond == 0)
            {
                continue;
            }
            string sep = rate.Length > 1 ? "," : "";
            rate.Append(sep).Append(names[d]).Append('=').Append(FioFormat.Num2Str(kib, 4, true, NumUnit.BytePerSecond, firstPrefix: 1));
            iops.Append(sep).Append(names[d]).Append('=').Append(FioFormat.Num2Str(perSecond, 4, false, NumUnit.None));
        }
        return rate.Length == 1 ? "" : rate.Append(']').Append(iops).Append(" IOPS]").ToString();
    }
}
