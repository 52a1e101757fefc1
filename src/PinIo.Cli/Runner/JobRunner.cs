// Follows fio's backend.c (thread_main) in meaning, not in code.
using System.Diagnostics;
using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Logs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner.Engines;
using PinIo.Cli.Stats;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Cli.Runner;

/// <summary>
/// Runs one job on its own thread, in fio's phases: layout (fill the region so that reads
/// return data; not measured), ramp (run, not measured), the main phase, and for writing jobs
/// with <c>verify</c> a read-back of every written block; then the job's teardown (logs
/// written out, fsync_on_close) and its result. The I/O of each phase runs in the
/// <see cref="IoLoop"/>, through the job's <see cref="IJobEngine"/> — PinIo's
/// <see cref="DirectIo"/> (or a Volume file's own, see <see cref="IJobIo"/>) or, for
/// ioengine=dotnet, <see cref="RandomAccess"/> on the same buffers. Steady state allocates
/// nothing per I/O: slots, iterators, continuations, generators and statistics are made up
/// front; so are the buffers of the job's logs, which are written out in chunks as they fill.
/// </summary>
internal sealed partial class JobRunner : IDisposable
{
    private readonly JobPlan _plan;
    private readonly IJobIo? _io;
    private readonly IBufferedJobIo? _buffered;
    private readonly bool _dotnet;
    private readonly WriteData _data;
    private readonly Verification? _verification;
    private readonly IoSource _source;
    private readonly JobAccounting _accounting;
    private readonly IoSlots _slots;
    private readonly IoLoop _loop;
    private readonly bool _discards;

    /// <summary>
    /// A runner for <paramref name="plan"/> on <paramref name="device"/>. The job's logs go to
    /// <paramref name="logFiles"/>, opened for the whole run; without it, a job that writes logs
    /// opens its own files, which the runner closes in <see cref="Dispose"/>. Its live counters
    /// go to <paramref name="progress"/> (the progress line's), or to counters of its own.
    /// </summary>
    public JobRunner(JobPlan plan, IBlockDevice device, LogFiles? logFiles = null, JobProgress? progress = null)
        : this(plan, device, new DeviceJobIo(device), null, logFiles, progress)
    {
    }

    /// <summary>A runner whose I/O goes through <paramref name="io"/> (a file inside a Volume) on <paramref name="device"/>, the device underneath.</summary>
    public JobRunner(JobPlan plan, IJobIo io, IBlockDevice device, LogFiles? logFiles = null, JobProgress? progress = null)
        : this(plan, device, io, null, logFiles, progress)
    {
    }

    /// <summary>A runner for a job with several files, or a file-system engine (<see cref="FileSet"/>): each I/O to the file its offset names.</summary>
    public JobRunner(JobPlan plan, FileSet files, LogFiles? logFiles = null, JobProgress? progress = null)
        : this(plan, files.Devices.Count > 0 ? files.Devices[0] : null, files.JobIo, null, logFiles, progress, files)
    {
    }

    /// <summary>A runner for ioengine=dotnet: .NET's <see cref="RandomAccess"/> on <paramref name="file"/>.</summary>
    public JobRunner(JobPlan plan, DotnetFile file, LogFiles? logFiles = null, JobProgress? progress = null)
        : this(plan, null, null, file, logFiles, progress)
    {
    }

    private JobRunner(JobPlan plan, IBlockDevice? device, IJobIo? io, DotnetFile? dotnet, LogFiles? logFiles, JobProgress? progress, FileSet? files = null)
    {
        _plan = plan;
        _io = io;
        _buffered = io is IBufferedJobIo { Buffered: true } buffered ? buffered : null;
        _dotnet = dotnet is not null;
        Devices.FileDevice? polled = device is Devices.FileDevice { IsPolled: true } file ? file : null;
        Progress = progress ?? new JobProgress();
        _accounting = new JobAccounting(plan, Progress);
        _data = new WriteData(plan);
        _verification = plan.Verify == VerifyKind.None ? null : new Verification(plan);
        // With verification, lay out in read-sized pieces where reads have one size, so that the
        // main phase's reads land on whole logged writes and can be checked.
        int chunk = _verification is not null && plan.Bs.Read.IsFixed && plan.Rw.HasReads() ? plan.Bs.Read.Min : plan.BlockSize;
        _source = new IoSource(plan, Math.Max(plan.Grain, chunk / plan.Grain * plan.Grain));
        _slots = new IoSlots(plan, device, _buffered is not null, _data, _accounting.Pins);
        IoClock clock = _accounting.Clock;
        IJobEngine engine;
        try
        {
            engine = files?.Engine(plan, clock) is { } fileEngine ? fileEngine
                : dotnet is not null && plan.Target is FileTarget { Ftruncate: true } ? new FtruncateEngine(dotnet, clock)
                : dotnet is not null && plan.Target is FileTarget { Mmap: true } ? new MmapEngine(dotnet, plan, clock)
                : dotnet is not null ? new DotnetEngine(dotnet, clock, _slots.Count)
                : plan.Target is DisklessTarget ? DisklessEngines.Create(plan, clock)
                : plan.Get(Opt.IoEngine) == IoEngineKind.Splice ? new SpliceEngine(io!, clock, _slots.Count, _accounting.Pins)
                : _buffered is not null ? new BufferedEngine(_buffered, clock, _slots.Count)
                : new PinIoEngine(io!, clock, polled is not null, _slots.Count);
        }
        catch
        {
            _slots.Dispose();
            throw;
        }
        _loop = new IoLoop(plan, engine, _slots, polled, _accounting, _source, _verification, _data);
        _discards = io is not null && device is not { Limits.SupportsDiscard: false };
        if (plan.Zones is { IsZbd: true } zones)
        {
            // Zones of its own until the run gives it the target's shared ones (ZonedDevice below).
            Zoned = new ZonedDevice(zones, plan.Target.Capacity).Attach(plan, DiscardZone);
            _source.AttachZones(Zoned);
        }
        // Last, so that nothing after it can fail and leave the files open.
        _accounting.OpenLogs(plan.Logs, logFiles);
    }

    public JobPlan Plan => _plan;

    /// <summary>The job's live counters (the progress line's and steadystate's).</summary>
    public JobProgress Progress { get; }

    /// <summary>The layouts of the job's target, shared with the other jobs on it; null: the job lays out its region itself.</summary>
    public SharedLayout? SharedLayout { get; init; }

    /// <summary>Lays out the region when the job reads, so that reads return data (fio's "Laying out IO file"). Not measured.</summary>
    public void Prepare(CancellationToken ct)
    {
        _loop.Completions.BindToCurrentThread();
        // In the flow from before the segment's start gate, so that a job whose thread starts
        // late is waited for rather than left behind (fio's jobs join at setup).
        _loop.Flow ??= FlowMember.Join(Flow, _plan);
        if (!_plan.Rw.HasReads() || !_plan.Target.NeedsLayout || _plan.Get(Opt.VerifyOnly))
        {
            return;
        }
        if (_verification is null && !_dotnet)
        {
            if (SharedLayout is { } shared)
            {
                shared.LayOut(_plan.Offset, _plan.Offset + _plan.Size, () => LayOutQuickly(ct), ct);
            }
            else
            {
                LayOutQuickly(ct);
            }
            return;
        }
        _accounting.BeginUnmeasured();
        _loop.Run(Phase.Layout, long.MaxValue, ct);
        _accounting.EndUnmeasured();
    }

    /// <summary>Runs the measured phases and returns what they did. Call once, after <see cref="Prepare"/>.</summary>
    public JobResult Run(CancellationToken ct)
    {
        _loop.Completions.BindToCurrentThread();
        WarmUpBufferedReads();
        InvalidateCache();
        long startTimestamp = Stopwatch.GetTimestamp();
        long ramp = _plan.Get(Opt.RampTime);
        if (ramp > 0 && !_plan.Get(Opt.VerifyOnly))
        {
            _accounting.BeginUnmeasured();
            _loop.Run(Phase.Main, Stopwatch.GetTimestamp() + IoClock.UsToTicks(ramp), ct);
            _accounting.EndUnmeasured();
        }
        CpuUsage cpuStart = ReadCpu();
        PinCounts pinStart = PinCounts.Of(_accounting.Pins);
        PageCacheStats? cacheStart = (_io as IBufferedJobIo)?.CacheStats;
        // fio's epoch, the zero of its log times, is reset when ramp_time ends.
        _accounting.StartLogs(Stopwatch.GetTimestamp());
        long totalTicks = RunMeasuredPhases(ct);
        LeaveFlow();

        _loop.Fail(_accounting.FinishLogs(Stopwatch.GetTimestamp()));
        PinCounts pins = PinCounts.Of(_accounting.Pins) - pinStart;
        if (cacheStart is not null)
        {
            pins = pins with { Cache = CacheCounts.Between(cacheStart, ((IBufferedJobIo)_io!).CacheStats) };
        }
        if (_plan.Get(Opt.FsyncOnClose) && _plan.Rw.HasWrites() && _loop.Error is null)
        {
            // fsync_on_close: the file flushed as the job closes it, outside its measured time and its sync latencies.
            _loop.FlushTarget();
        }
        return new JobResult
        {
            Plan = _plan,
            Stats = _accounting.Stats,
            Cpu = ReadCpu() - cpuStart,
            Pins = pins,
            RuntimeMs = IoClock.TicksToMs(totalTicks),
            FinishedAt = DateTime.Now,
            StartTimestamp = startTimestamp,
            EndTimestamp = Stopwatch.GetTimestamp(),
            // fio: with continue_on_error, a job that did not fail reports its first error.
            Error = _verification?.FirstFailure is not null ? JobResult.VerifyErrno : _loop.Error is null ? _loop.Errors.First : ErrnoOf(_loop.Error),
            ErrorText = _verification?.Summary() ?? _loop.Error?.Message ?? _loop.Errors.FirstText,
            ContinuesOnError = _loop.Errors.Continues,
            TotalErrors = _loop.Errors.Total,
            FirstError = _loop.Errors.First,
            VerifyFailure = _verification?.FirstFailure,
            VerifyFailures = _verification?.Failures ?? [],
            VerifyMismatches = _verification?.Mismatches ?? 0,
            Flushes = _loop.Flushes,
            ZoneResets = _plan.Rw.HasWrites() || _plan.Rw.HasTrims() ? Zoned?.Resets : null,
            LatencyDepth = _loop.LatencyDepth,
        };
    }

    public void Dispose()
    {
        LeaveFlow();
        _slots.Dispose();
        _loop.Dispose();
        _accounting.Dispose();
    }

    private static int ErrnoOf(Exception? error) => error switch
    {
        null => 0,
        DirectIoException d => (int)d.Errno,
        _ => (int)Errno.EIO,
    };

    /// <summary>
    /// The measured phases, fio's thread_main loop: the main phase, then for a writing job with
    /// verification the read-back, both within runtime — a read-back the runtime leaves no time
    /// for is skipped, as fio's do_verify stops once the job's runtime is over. A time_based
    /// job with a read-back runs in cycles, as fio's does: size bytes of the main phase, their
    /// read-back, again, until the runtime ends. verify_only replays a writing job's writes
    /// and reads them back; a read-only job's verify_only is its ordinary run, every block it
    /// reads checked (fio runs do_io for it). Returns the ticks measured.
    /// </summary>
    private long RunMeasuredPhases(CancellationToken ct)
    {
        long runtime = _plan.Get(Opt.Runtime);
        long deadline = runtime > 0 ? Stopwatch.GetTimestamp() + IoClock.UsToTicks(runtime) : long.MaxValue;
        bool writes = _plan.Rw.HasWrites();
        bool readBack = _verification is not null && writes && (_plan.Get(Opt.VerifyOnly) || _plan.Get(Opt.DoVerify));
        if (_plan.Get(Opt.VerifyOnly) && writes)
        {
            return RunVerifyOnly(deadline, ct);
        }
        _loop.VerifyCycles = readBack && _plan.Get(Opt.TimeBased);
        long ticks = 0;
        do
        {
            _accounting.Sampling = true;
            long mainTicks = _loop.Run(Phase.Main, deadline, ct);
            if (_plan.Get(Opt.EndFsync) && writes && _loop.Error is null)
            {
                // fio counts end_fsync in the job's runtime: buffered writes are done only when durable.
                long flushStart = Stopwatch.GetTimestamp();
                _loop.Flush();
                mainTicks += Stopwatch.GetTimestamp() - flushStart;
            }
            _accounting.AddRuntime(mainTicks, _plan.Rw.HasReads(), writes, _plan.Rw.HasTrims());
            ticks += mainTicks;
            if (readBack)
            {
                ticks += RunReadBack(deadline, ct);
            }
        }
        while (_loop.VerifyCycles && Stopwatch.GetTimestamp() < deadline && !_loop.Failed && !ct.IsCancellationRequested);
        SaveVerifyState();
        return ticks;
    }

    /// <summary>verify_only: the earlier run's writes, from its state file (verify_state_load) or replayed from the seed, read back.</summary>
    private long RunVerifyOnly(long deadline, CancellationToken ct)
    {
        try
        {
            if (_plan.Get(Opt.VerifyStateLoad))
            {
                _verification!.LoadState();
            }
            else
            {
                _verification!.ReplayWrites(_source);
            }
        }
        catch (DirectIoException e)
        {
            _loop.Fail(e);
            return 0;
        }
        return RunReadBack(deadline, ct);
    }

    /// <summary>verify_state_save: a writing job with verify= saves the writes it made, for a later verify_state_load.</summary>
    private void SaveVerifyState()
    {
        if (_verification is null || !_plan.Get(Opt.VerifyStateSave) || !_plan.Rw.HasWrites())
        {
            return;
        }
        try
        {
            _verification.SaveState();
        }
        catch (DirectIoException e)
        {
            _loop.Fail(e);
        }
    }

    /// <summary>The verify phase, unless the job failed, was stopped or its runtime is over.</summary>
    private long RunReadBack(long deadline, CancellationToken ct)
    {
        if (_loop.Failed || ct.IsCancellationRequested || Stopwatch.GetTimestamp() >= deadline)
        {
            return 0;
        }
        _accounting.Sampling = true;
        long ticks = _loop.Run(Phase.Verify, deadline, ct);
        _accounting.AddRuntime(ticks, read: true, write: false);
        return ticks;
    }

    /// <summary>The job thread's own counters when it does all of the job's work, else the process's.</summary>
    private CpuUsage ReadCpu() => _plan.Target.CompletesOnJobThread ? CpuUsage.ForThread() : CpuUsage.ForProcess();
}
