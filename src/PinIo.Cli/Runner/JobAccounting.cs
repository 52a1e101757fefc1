// Follows fio's stat.c (add_clat_sample, add_lat_sample, io_u_mark_*) and iolog.c in meaning.
using PinIo.Cli.Jobs;
using PinIo.Cli.Logs;
using PinIo.Cli.Stats;
using PinIo.Mm;

namespace PinIo.Cli.Runner;

/// <summary>
/// What a job measures and who hears of it: each completed I/O's latencies into the job's
/// statistics (or, while laying out and ramping, into statistics nobody reports), bandwidth
/// samples, the live counters of the progress line, and the job's log files. Job thread only.
/// </summary>
internal sealed class JobAccounting : IDisposable
{
    private readonly JobStats _unmeasured = new();
    private readonly RateSampler _sampler;
    private readonly JobProgress _progress;
    private JobLogs? _logs;
    private LogFiles? _ownLogFiles;
    private readonly bool _disableLat;
    private readonly bool _disableClat;
    private readonly bool _disableBw;

    // cpuio and exec (fio's FIO_NOIO engines) move no bytes, yet fio counts each of their I/Os.
    private readonly bool _noData;

    // fio's io_uring engine sets disable_slat with sqthread_poll: submitting is storing into the
    // SQ ring (a syscall only to wake the kernel thread), so no submission latency is recorded.
    private readonly bool _slatDisabled;

    // A job that sets a priority keeps its latencies per priority too (fio's clat_prio), total
    // latencies under lat_percentiles as fio's do.
    private readonly bool _keepPrios;
    private readonly bool _priosOfTotal;

    // A file set's offsets carry the file in their high bits; a log line gives the offset within the file, as fio's.
    private readonly long _logOffsetMask;

    /// <summary>The accounting of <paramref name="plan"/>, its live counters in <paramref name="progress"/>.</summary>
    public JobAccounting(JobPlan plan, JobProgress progress)
    {
        Recording = Stats;
        _sampler = new RateSampler(Stats);
        _progress = progress;
        _disableLat = plan.DisableLat;
        _disableClat = plan.DisableClat;
        _disableBw = plan.DisableBw;
        _noData = plan.Target is DisklessTarget { MovesNoData: true };
        _slatDisabled = plan.DisableSlat || plan.Target is FileTarget { SubmissionPolling: true };
        _logOffsetMask = plan.Target is FileSetTarget ? FileSetTarget.FileMask : -1L;
        _keepPrios = SchedChecks.SetsPriority(plan.Options);
        bool latPercentiles = plan.Get(Options.Opt.LatPercentiles);
        _priosOfTotal = latPercentiles;
        foreach (IoDir dir in IoDirs.All)
        {
            Stats[dir].KeepsLatHistogram = _unmeasured[dir].KeepsLatHistogram = latPercentiles;
            Stats[dir].Prios.OfTotalLatency = _priosOfTotal;
            if (_keepPrios)
            {
                Stats[dir].Prios.Expect(IoPriorities.JobPriority(plan.Options).Value);
            }
        }
        // gtod_reduce, or all of disable_lat/clat/slat/bw, and no log that wants times: nothing
        // reads an I/O's submission or completion stamp, so they are not taken (fio's gtod_reduce()).
        // The issue loop's one read per I/O stays: runtime and time_based need it.
        Clock = new IoClock(plan.DisableLat && plan.DisableClat && plan.DisableSlat && plan.DisableBw && !plan.Logs.Any);
    }

    /// <summary>The measured statistics, the job's result.</summary>
    public JobStats Stats { get; } = new();

    /// <summary>Where I/O is counted now: <see cref="Stats"/>, or while laying out and ramping, statistics nobody reports.</summary>
    public JobStats Recording { get; private set; }

    /// <summary>Whether completions feed the samples, the progress line and the logs (the measured phases).</summary>
    public bool Sampling { get; set; }

    /// <summary>The job's pins, wherever its I/O ends: the process's count holds every job's.</summary>
    public PinCounter Pins { get; } = new();

    public IoClock Clock { get; }

    /// <summary>
    /// The job's logs go to <paramref name="logFiles"/>, opened for the whole run; without it, a
    /// job that writes logs opens its own files, which <see cref="Dispose"/> closes.
    /// </summary>
    public void OpenLogs(LogPlan plan, LogFiles? logFiles)
    {
        if (plan.Any && logFiles is null)
        {
            _ownLogFiles = logFiles = LogFiles.Open([plan]);
        }
        _logs = logFiles is null ? null : JobLogs.Create(plan, logFiles);
    }

    /// <summary>From here to <see cref="EndUnmeasured"/>, I/O counts nowhere (layout, ramp_time).</summary>
    public void BeginUnmeasured()
    {
        Recording = _unmeasured;
        Sampling = false;
    }

    public void EndUnmeasured() => Recording = Stats;

    public void BeginPhase(Phase phase, long now, bool read, bool write, bool trim)
    {
        _progress.BeginPhase(phase switch { Phase.Layout => JobPhase.LayingOut, Phase.Main => JobPhase.Running, _ => JobPhase.Verifying });
        if (Sampling && !_disableBw)
        {
            _sampler.Start(now, read, write, trim);
        }
    }

    public void EndPhase(long now)
    {
        if (Sampling && !_disableBw)
        {
            _sampler.Finish(now);
        }
    }

    /// <summary>fio's epoch, the zero of its log times, is reset when ramp_time ends.</summary>
    public void StartLogs(long now) => _logs?.Start(now);

    /// <summary>Writes out the logs; returns the error of one that could not be written (it fails the job, as an I/O error does).</summary>
    public IOException? FinishLogs(long now)
    {
        _progress.Finish();
        if (_logs is null)
        {
            return null;
        }
        _logs.Finish(now);
        return _logs.Error;
    }

    /// <summary>An I/O left for the device at <see cref="IoSlot.SubmittedAt"/>: its submission latency to the log.</summary>
    public void Submitted(IoSlot slot)
    {
        if (Sampling && !_slatDisabled)
        {
            _logs?.Submitted(slot.Dir, slot.Length, slot.Offset & _logOffsetMask, IoClock.TicksToNs(slot.SubmittedAt - slot.StartedAt), slot.SubmittedAt, slot.Priority.Value);
        }
    }

    /// <summary>A completed I/O that moved <paramref name="bytes"/>: its latencies, samples, progress and log lines.</summary>
    public void Completed(IoSlot slot, long bytes)
    {
        long latNs = IoClock.TicksToNs(slot.CompletedAt - slot.StartedAt);
        long slatNs = -1;
        long clatNs = latNs;
        if (!slot.CompletedInline)
        {
            slatNs = _slatDisabled ? -1 : IoClock.TicksToNs(slot.SubmittedAt - slot.StartedAt);
            clatNs = Math.Max(0, IoClock.TicksToNs(slot.CompletedAt - slot.SubmittedAt));
        }
        if (bytes > 0 || _noData)
        {
            Recording[slot.Dir].Record(bytes, bytes < slot.Length && !_noData, slatNs, _disableClat ? -1 : clatNs, _disableLat ? -1 : latNs);
            if (!_disableClat)
            {
                // fio marks its latency decades with the clat sample (io_u_mark_latency under !disable_clat).
                Recording.MarkLatency(latNs);
            }
            if (_keepPrios && (_priosOfTotal ? !_disableLat : !_disableClat))
            {
                Recording[slot.Dir].Prios.Add(slot.Priority.Value, _priosOfTotal ? latNs : clatNs);
            }
        }
        if (!Sampling)
        {
            return;
        }
        if (!_disableBw)
        {
            _sampler.Tick(slot.CompletedAt);
        }
        _progress.Completed(slot.Dir, bytes);
        if (bytes > 0)
        {
            _logs?.Completed(slot.Dir, bytes, slot.Offset & _logOffsetMask, clatNs, latNs, slot.CompletedAt, slot.Priority.Value);
        }
    }

    /// <summary>A measured phase's time, to the directions it ran.</summary>
    public void AddRuntime(long ticks, bool read, bool write, bool trim = false)
    {
        long ms = IoClock.TicksToMs(ticks);
        if (read)
        {
            Stats.Read.RuntimeMs += ms;
        }
        if (write)
        {
            Stats.Write.RuntimeMs += ms;
        }
        if (trim)
        {
            Stats.Trim.RuntimeMs += ms;
        }
    }

    public void Dispose() => _ownLogFiles?.Dispose();
}
