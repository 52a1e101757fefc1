using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Cli.Stats;
using PinIo.Cli.Verify;

namespace PinIo.Cli.Report;

/// <summary>
/// One block of the report (fio's struct thread_stat as __show_run_stats fills it): a single
/// job, or with <c>group_reporting</c> every consecutive job of one reporting group summed as
/// fio sums them (sum_thread_stats): bytes and I/Os added, latencies combined as one
/// population with their histograms merged, bandwidth and IOPS samples added, each
/// direction's runtime the longest, job runtimes and CPU times added. The name, description
/// and group are the first member's; the job options printed in JSON are the last member's,
/// as fio's are.
/// <para>
/// pinio runs its jobs as threads of one process, so a job's context switches, faults and
/// pins are the whole process's over that job's run; several members' figures overlap rather
/// than add, and a block takes the largest of them instead of their sum. CPU times are added
/// with the runtimes, as fio does, so usr and sys stay the process's share of the time.
/// </para>
/// </summary>
internal sealed class ThreadStat
{
    private readonly List<JobResult> _members = [];

    private ThreadStat(JobResult first, ReportOptions options)
    {
        Name = first.Plan.Name;
        Description = first.Plan.Options.Get(Opt.Description);
        GroupId = first.Plan.GroupId;
        Options = options;
        JobStart = first.FinishedAt - TimeSpan.FromMilliseconds(first.RuntimeMs);
    }

    public string Name { get; }

    public string? Description { get; }

    public int GroupId { get; }

    /// <summary>Percentile and grouping options (the last member's).</summary>
    public ReportOptions Options { get; private set; }

    /// <summary>The block's counters: its one job's own, or the sum of its jobs' (made when a second joins).</summary>
    public JobStats Stats { get; private set; } = null!;

    public IReadOnlyList<JobResult> Members => _members;

    /// <summary>0, or the first member's errno.</summary>
    public int Error { get; private set; }

    public string? ErrorText { get; private set; }

    /// <summary>continue_on_error was on for a member: fio then reports total_err and first_error.</summary>
    public bool ContinuesOnError { get; private set; }

    /// <summary>The errors the members went on past, summed (fio's total_err).</summary>
    public long TotalErrors { get; private set; }

    /// <summary>The last member's first error (fio's first_error, which a group takes from its last job).</summary>
    public int FirstError { get; private set; }

    public TimeSpan UserTime { get; private set; }

    public TimeSpan SystemTime { get; private set; }

    public long ContextSwitches { get; private set; }

    public long MajorFaults { get; private set; }

    public long MinorFaults { get; private set; }

    public PinCounts Pins { get; private set; }

    /// <summary>Milliseconds of I/O of every member, added (fio's total_run_time).</summary>
    public long TotalRunTimeMs { get; private set; }

    public DateTime JobStart { get; }

    public DateTime FinishedAt { get; private set; }

    /// <summary>The iodepth of the last member (fio's latency_depth).</summary>
    public int LatencyDepth { get; private set; }

    /// <summary>The options the last member was given, in order (fio's "job options").</summary>
    public IReadOnlyList<KeyValuePair<string, string>> JobOptions { get; private set; } = [];

    public double UsrCpuPercent => TotalRunTimeMs > 0 ? UserTime.TotalMilliseconds * 100 / TotalRunTimeMs : 0;

    public double SysCpuPercent => TotalRunTimeMs > 0 ? SystemTime.TotalMilliseconds * 100 / TotalRunTimeMs : 0;

    public IEnumerable<VerifyFailure> VerifyFailures => _members.Select(m => m.VerifyFailure).OfType<VerifyFailure>();

    /// <summary>The report's blocks for <paramref name="results"/>, in job order, with each job's own report options.</summary>
    public static IReadOnlyList<ThreadStat> Build(IReadOnlyList<JobResult> results) => Build(results, r => ReportOptions.From(r.Plan));

    /// <summary>
    /// As <see cref="Build(IReadOnlyList{JobResult})"/> with the report options of each job
    /// given: a job joins the block before it when both have group_reporting and belong to
    /// the same group, as fio's __show_run_stats groups consecutive jobs.
    /// </summary>
    public static IReadOnlyList<ThreadStat> Build(IReadOnlyList<JobResult> results, Func<JobResult, ReportOptions> optionsOf)
    {
        var blocks = new List<ThreadStat>();
        ThreadStat? current = null;
        foreach (JobResult result in results)
        {
            ReportOptions options = optionsOf(result);
            bool joins = current is not null
                && options.GroupReporting
                && current.Options.GroupReporting
                && current.GroupId == result.Plan.GroupId;
            if (!joins)
            {
                current = new ThreadStat(result, options);
                blocks.Add(current);
            }
            current!.Add(result, options);
        }
        return blocks;
    }

    /// <summary>
    /// Per-thread counters add up over the group's jobs, as fio sums its jobs'; process-wide ones
    /// overlap (each job saw the whole process), so the group keeps the largest.
    /// </summary>
    private void AddScheduling(CpuUsage cpu)
    {
        if (cpu.PerThread)
        {
            ContextSwitches += cpu.ContextSwitches;
            MajorFaults += cpu.MajorFaults;
            MinorFaults += cpu.MinorFaults;
            return;
        }
        ContextSwitches = Math.Max(ContextSwitches, cpu.ContextSwitches);
        MajorFaults = Math.Max(MajorFaults, cpu.MajorFaults);
        MinorFaults = Math.Max(MinorFaults, cpu.MinorFaults);
    }

    private void Add(JobResult r, ReportOptions options)
    {
        _members.Add(r);
        Options = options;
        // A job alone reports its own counters: copying them (five latency histograms) for each
        // of a thousand jobs was a quarter of a second between a Ctrl-C and the report.
        if (_members.Count == 1)
        {
            Stats = r.Stats;
        }
        else
        {
            if (_members.Count == 2)
            {
                var sum = new JobStats();
                sum.Merge(Stats);
                Stats = sum;
            }
            Stats.Merge(r.Stats);
        }
        ContinuesOnError |= r.ContinuesOnError;
        TotalErrors += r.TotalErrors;
        FirstError = r.FirstError;
        if (Error == 0 && r.Error != 0)
        {
            Error = r.Error;
            ErrorText = r.ErrorText;
        }
        UserTime += r.Cpu.User;
        SystemTime += r.Cpu.System;
        AddScheduling(r.Cpu);
        // Each job's PinIo pins are its own, so a group's are their sum; the kernel's cover
        // the whole window of every member, so the group keeps the widest.
        Pins = _members.Count == 1 ? r.Pins : (r.Pins.KernelAcquired > Pins.KernelAcquired ? r.Pins : Pins) with
        {
            Acquired = Pins.Acquired + r.Pins.Acquired,
            Released = Pins.Released + r.Pins.Released,
            // A Volume's cache counters cover every job on it, as the kernel's pins do: the widest.
            Cache = Wider(Pins.Cache, r.Pins.Cache),
        };
        TotalRunTimeMs += r.RuntimeMs;
        FinishedAt = r.FinishedAt > FinishedAt ? r.FinishedAt : FinishedAt;
        LatencyDepth = r.LatencyDepth ?? r.Plan.Get(Opt.IoDepth);
        JobOptions = r.Plan.Options.Written;
    }

    private static CacheCounts? Wider(CacheCounts? a, CacheCounts? b) =>
        a is not { } x ? b : b is not { } y ? a : (y.Hits + y.Misses + y.WritebackPages > x.Hits + x.Misses + x.WritebackPages ? y : x);
}
