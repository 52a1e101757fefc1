// Follows fio's backend.c (do_io, do_verify) and io_u.c in meaning, not in code.
using System.Diagnostics;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner.Engines;
using PinIo.Cli.Stats;
using PinIo.Cli.Verify;

namespace PinIo.Cli.Runner;

/// <summary>
/// fio's job loop for one phase: keep <c>iodepth</c> requests in flight, submitting them in
/// batches of <c>iodepth_batch_submit</c> and reaping at least
/// <c>iodepth_batch_complete_min</c> completions (and taking no more than
/// <c>iodepth_batch_complete_max</c>) when the queue is full or the phase is out of work; flush every <c>fsync</c> writes. Where the I/O comes from (<see cref="IoSource"/>,
/// <see cref="Verification"/>), what runs it (<see cref="IJobEngine"/>), how it comes back
/// (<see cref="Completions"/>) and what is measured (<see cref="JobAccounting"/>) are rooms of
/// their own; this is the loop that joins them. Job thread only.
/// </summary>
internal sealed partial class IoLoop : IDisposable
{
    private readonly JobPlan _plan;

    // What a loop turn reads of the plan, kept here: the plan sits on a page of its own, one
    // more for every I/O to touch (bench/README.md, "lead (session 12)").
    private readonly int _batchSubmit;
    private readonly int _batchCompleteMin;
    private readonly long _offset;
    private readonly int _flushEvery;
    private readonly IJobEngine _engine;
    // The engine of nearly every job, called by its sealed type: two interface dispatches per
    // I/O (start and finish) were 3% of a 4 KiB job's user samples under Native AOT.
    private readonly PinIoEngine? _pinio;
    private readonly ITimedEngine? _timed;
    private readonly IoSlots _slots;
    private readonly Completions _completions;
    private readonly JobAccounting _accounting;
    private readonly IoClock _clock;
    private readonly IoSource _source;
    private readonly Verification? _verification;
    private readonly WriteData _data;
    private readonly JobErrors _errors;
    private readonly int _depth;
    private readonly bool _refill;

    // A trimwrite's write must land after its block's trim, so overlapping I/O waits as with verification.
    private readonly bool _serializeOverlaps;
    private readonly bool _verifyFatal;
    private readonly bool _timeBased;
    private readonly IoPriorities? _priorities;
    private readonly LatencyTarget? _latencyTarget;
    private bool _probing;
    private long _completedIos;
    private int _inFlight;
    private int _writesSinceFlush;
    private bool _flushDue;

    public IoLoop(JobPlan plan, IJobEngine engine, IoSlots slots, Devices.FileDevice? polled, JobAccounting accounting, IoSource source, Verification? verification, WriteData data)
    {
        _plan = plan;
        _batchSubmit = plan.BatchSubmit;
        _batchCompleteMin = plan.BatchCompleteMin;
        _offset = plan.Offset;
        _flushEvery = plan.FlushEvery;
        _engine = engine;
        _pinio = engine as PinIoEngine;
        _timed = engine as ITimedEngine;
        _slots = slots;
        _accounting = accounting;
        _clock = accounting.Clock;
        _source = source;
        _verification = verification;
        _data = data;
        _errors = new JobErrors(plan);
        _depth = plan.Get(Opt.IoDepth);
        _refill = plan.Get(Opt.RefillBuffers);
        _serializeOverlaps = plan.Get(Opt.SerializeOverlap) || verification is not null || plan.Rw == RwMode.TrimWrite;
        _verifyFatal = plan.Get(Opt.VerifyFatal);
        _timeBased = plan.Get(Opt.TimeBased);
        _rate = RateLimiter.For(plan);
        _minRate = MinRateCheck.For(plan);
        _think = ThinkTime.For(plan);
        _rateIgnoresThink = plan.Get(Opt.RateIgnoreThinktime);
        _quiesceForRate = plan.Get(Opt.IoSubmitMode) == IoSubmitMode.Inline;
        _priorities = IoPriorities.For(plan);
        _latencyTarget = LatencyTarget.For(plan);
        _completions = new Completions(slots.Count, polled, accounting.Clock, TakeCompleted, accounting.Submitted, plan.BatchCompleteMax, plan.ReapsReadyFirst);
        foreach (IoSlot slot in slots.All)
        {
            slot.Completions = _completions;
            slot.OnCompleted = slot.SignalCompleted;
        }
    }

    /// <summary>The first I/O error (or log, layout or flush failure); the job stops issuing once there is one.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Flushes issued (fsync=N, end_fsync).</summary>
    public long Flushes { get; private set; }

    /// <summary>time_based with a read-back: the main phase stops at the size, as fio's do_io does, so that its writes are read back before the next cycle.</summary>
    public bool VerifyCycles { get; set; }

    /// <summary>Whether the job must stop issuing: an I/O error, or a mismatch with verify_fatal.</summary>
    public bool Failed => Error is not null || (_verification?.FirstFailure is not null && _verifyFatal);

    public Completions Completions => _completions;

    /// <summary>The errors the job went on past (continue_on_error), and fill_device's end.</summary>
    public JobErrors Errors => _errors;

    /// <summary>The job's share of its flow (flow=, flow_id=) while it runs; null when it is in no flow.</summary>
    public FlowMember? Flow { get; set; }

    /// <summary>latency_target's queue depth (the one found, or where the probe stood); null without latency_target.</summary>
    public int? LatencyDepth => _latencyTarget?.Depth;

    /// <summary>Keeps the first error; the job fails with it.</summary>
    public void Fail(Exception? error) => Error ??= error;

    /// <summary>Runs one phase to its end (out of work, past the deadline, canceled or failed) with nothing left in flight; returns its length in ticks.</summary>
    public long Run(Phase phase, long deadline, CancellationToken ct)
    {
        _source.BeginPhase();
        if (phase == Phase.Verify)
        {
            _verification!.BeginReadBack();
        }
        long start = Stopwatch.GetTimestamp();
        _accounting.BeginPhase(phase, start, read: phase == Phase.Verify || _plan.Rw.HasReads(), write: phase == Phase.Main && _plan.Rw.HasWrites(), trim: phase == Phase.Main && _plan.Rw.HasTrims());
        BeginPacing(phase, start);
        bool issuing = true;
        _timed?.BeginPhase(deadline, ct);
        _probing = phase == Phase.Main && _latencyTarget is not null;
        _latencyTarget?.Begin(start, _completedIos);
        while (true)
        {
            int queued = 0;
            while (issuing && _inFlight < (_probing ? _latencyTarget!.Depth : _depth))
            {
                // iodepth_batch_submit I/Os are prepared: submit them before preparing more. The
                // commit's stamp, taken as its io_uring_enter returns, is also this I/O's start:
                // one clock read per I/O instead of two.
                long now = _completions.Uncommitted >= _batchSubmit ? _completions.Commit() : 0;
                if (now == 0)
                {
                    now = _clock.Now();
                }
                if (_minRate is { Active: true } && _minRate.Check(now) is { } tooSlow)
                {
                    Fail(tooSlow);
                }
                if (ct.IsCancellationRequested || Failed || now >= deadline || (_errors.Filled && phase == Phase.Main) || _timed is { Done: true } || (_probing && _latencyTarget!.Done))
                {
                    issuing = false;
                    break;
                }
                if (_flushDue)
                {
                    DrainAndFlush();
                    continue;
                }
                if (phase != Phase.Layout && Flow is { } flow && flow.Ahead())
                {
                    Quiesce();
                    flow.Wait(ct);
                    continue;
                }
                if (!TryNext(phase, out IoRequest request))
                {
                    if (phase == Phase.Main && _source.Idle)
                    {
                        // zonemode=zbd: nothing to do now, maybe soon (IoSource.Idle); the deadline ends it.
                        if (_inFlight == 0)
                        {
                            Thread.Yield();
                        }
                        break;
                    }
                    issuing = false;
                    break;
                }
                if (phase == Phase.Main && _rate is not null && !WaitForRate(request.Dir, deadline, ct, ref now))
                {
                    issuing = false;
                    break;
                }
                if (_serializeOverlaps)
                {
                    WaitForOverlaps(request.Offset, request.Length, request.Dir != IoDir.Read);
                }
                IoSlot slot = _slots.Take();
                if (Submit(slot, phase, request, now))
                {
                    _accounting.Recording.MarkDepth(1, 1);
                    _accounting.Recording.MarkSubmitBatch(1);
                    _accounting.Recording.MarkCompleteBatch(1);
                }
                else
                {
                    queued++;
                    if (_completions.Polled)
                    {
                        _completions.Prepared(slot);
                    }
                }
                if (phase == Phase.Main)
                {
                    AfterIssue(request, deadline, ct);
                }
            }
            if (queued > 0)
            {
                _accounting.Recording.MarkDepth(_inFlight, queued);
                _accounting.Recording.MarkSubmitBatch(queued);
            }
            if (_inFlight == 0)
            {
                if (!issuing)
                {
                    break;
                }
                continue;
            }
            int reaped = _completions.Reap(issuing ? _batchCompleteMin : 1, _inFlight);
            if (reaped > 0)
            {
                _accounting.Recording.MarkCompleteBatch(reaped);
                if (phase == Phase.Main && issuing)
                {
                    ThinkIfDue(deadline, ct);
                }
            }
            else
            {
                Thread.SpinWait(16);
            }
        }
        _timed?.EndPhase();
        long end = Stopwatch.GetTimestamp();
        _accounting.EndPhase(end);
        return end - start;
    }

    /// <summary>fsync of the job's target, outside the loop (end_fsync, fsync_on_close); false when it failed (the error is kept).</summary>
    public bool FlushTarget()
    {
        try
        {
            _completions.Wait(_engine.FlushAsync());
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error ??= e;
            return false;
        }
    }

    /// <summary>A flush counted in the job's sync latencies (fsync=N, end_fsync): a flush covers the writes that completed before it.</summary>
    public void Flush()
    {
        long start = Stopwatch.GetTimestamp();
        if (FlushTarget())
        {
            Flushes++;
            _accounting.Recording.RecordSync(IoClock.TicksToNs(Stopwatch.GetTimestamp() - start));
        }
    }

    public void Dispose()
    {
        _completions.Dispose();
        (_engine as IDisposable)?.Dispose();
    }

    /// <summary>The next I/O of a phase, or false when the phase has no more work.</summary>
    private bool TryNext(Phase phase, out IoRequest request)
    {
        switch (phase)
        {
            case Phase.Layout:
            {
                bool more = _source.TryNextLayout(out int length, out long offset);
                request = new IoRequest(IoDir.Write, offset, length, BlockLog.NeverWritten, CountsToBudget: true);
                return more;
            }
            case Phase.Verify:
                return _verification!.TryNextReadBack(out request);
            default:
                if (_verification is { BacklogDue: true } && _verification.TryNextBacklog(out request))
                {
                    return true;
                }
                if (!_source.TryNextMain(!_timeBased || VerifyCycles, out IoDir dir, out long at, out int size))
                {
                    request = default;
                    return false;
                }
                long expected = dir != IoDir.Read || _verification is null ? BlockLog.NeverWritten : _verification.ExpectedForRead(at, size);
                request = new IoRequest(dir, at, size, expected, _source.CountsToBudget(dir));
                return true;
        }
    }

    /// <summary>
    /// Starts one I/O on <paramref name="slot"/>. Returns true when it completed within its call
    /// (and was accounted), or failed to start.
    /// </summary>
    private bool Submit(IoSlot slot, Phase phase, IoRequest request, long now)
    {
        slot.Dir = request.Dir;
        slot.Offset = _offset + request.Offset;
        slot.RegionOffset = request.Offset;
        slot.Length = request.Length;
        slot.Priority = _priorities?.Pick(request.Dir, request.Length) ?? default;
        slot.Sequence = request.Expected;
        slot.VerifyOnComplete = request.Dir == IoDir.Read && request.Expected != BlockLog.NeverWritten;
        if (request.Write)
        {
            PrepareWrite(slot, phase);
        }
        // The start is stamped once the buffer is ready, as fio's is: a write that was filled
        // (verify headers, refill_buffers) takes a fresh time.
        slot.StartedAt = request.Write && (_verification is not null || _refill) && !_clock.Reduced ? _clock.Now() : now;
        slot.CompletedAt = 0;
        if (request.CountsToBudget)
        {
            _source.IssuedBytes += request.Length;
        }
        switch (_pinio is not null ? _pinio.Start(slot, out Exception? error) : _engine.Start(slot, out error))
        {
            case IoStart.Failed:
                OnIoError(slot, error!);
                _slots.Return(slot);
                return true;
            case IoStart.Completed:
                slot.CompletedInline = true;
                slot.CompletedAt = slot.SubmittedAt;
                Complete(slot);
                return true;
            default:
                slot.CompletedInline = false;
                _slots.Launched(slot);
                _inFlight++;
                if (!_completions.Polled)
                {
                    _accounting.Submitted(slot);
                }
                return false;
        }
    }

    /// <summary>A write's data: a verify header (or pattern), or the buffer made new (<see cref="WriteData.Renew"/>); a main-phase write counts toward fsync=N.</summary>
    private void PrepareWrite(IoSlot slot, Phase phase)
    {
        if (_verification is not null)
        {
            _verification.PrepareWrite(slot, phase);
        }
        else
        {
            _data.Renew(slot.Buffer.Span[..slot.Length], slot.Offset);
        }
        if (phase == Phase.Main && _flushEvery > 0 && ++_writesSinceFlush >= _flushEvery)
        {
            _writesSinceFlush = 0;
            _flushDue = true;
        }
    }

    private void TakeCompleted(IoSlot slot)
    {
        _slots.Landed(slot);
        _inFlight--;
        Complete(slot);
    }

    /// <summary>Accounts a finished I/O on the job thread and frees its slot.</summary>
    private void Complete(IoSlot slot)
    {
        long bytes = 0;
        try
        {
            bytes = _pinio is not null ? _pinio.Finish(slot) : _engine.Finish(slot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            OnIoError(slot, e);
        }
        _accounting.Completed(slot, bytes);
        _think?.Completed();
        if (_minRate is { Active: true })
        {
            _minRate.Completed(slot.Dir, bytes);
        }
        _completedIos++;
        if (_probing)
        {
            long now = _clock.Now();
            if (_latencyTarget!.Completed((slot.CompletedAt != 0 ? slot.CompletedAt : now) - slot.StartedAt, _completedIos, now) is { } late)
            {
                Error ??= new DirectIoException(Errno.ETIMEDOUT, late);
            }
        }
        if (slot.VerifyOnComplete)
        {
            long mismatches = _verification!.Mismatches;
            _verification.CheckRead(slot, bytes);
            if (_verification.Mismatches != mismatches)
            {
                _errors.VerifyFailed(_verification.Failures.Count > 0 ? _verification.Failures[^1].Message : "verify failed");
            }
        }
        _slots.Return(slot);
    }

    /// <summary>
    /// An I/O that failed: the job fails with it unless continue_on_error (or fill_device's
    /// ENOSPC) lets it go on; a write gone on past leaves nothing for the read-back to check,
    /// as fio unlogs it.
    /// </summary>
    private void OnIoError(IoSlot slot, Exception error)
    {
        if (!_errors.Absorb(slot, error, _accounting.Recording))
        {
            Error ??= error;
        }
        else if (slot.IsWrite)
        {
            _verification?.ForgetWrite(slot);
        }
    }

    /// <summary>
    /// Reaps until no I/O in flight overlaps the next one where it matters: a write waits for
    /// every I/O on its bytes, a checked read for the writes on them. So two writes of one
    /// block are never in flight together, the block log names the write that lands last
    /// (fio's serialize_overlap), and a check never reads a write still landing.
    /// </summary>
    private void WaitForOverlaps(long offset, int length, bool write)
    {
        while (_slots.Overlaps(offset, length, write))
        {
            _accounting.Recording.MarkCompleteBatch(_completions.Reap(1, _inFlight));
        }
    }

    /// <summary>Reaps everything in flight, then flushes the device (fsync=N): a flush covers the writes that completed before it.</summary>
    private void DrainAndFlush()
    {
        _flushDue = false;
        Quiesce();
        Flush();
    }

    /// <summary>Reaps everything in flight (fio's io_u_quiesce): before a flush, before the job sleeps for its rate, thinktime or flow, and before a zone reset, so that no write of the job lands after it.</summary>
    public void Quiesce()
    {
        while (_inFlight > 0)
        {
            int reaped = _completions.Reap(1, _inFlight);
            _accounting.Recording.MarkCompleteBatch(reaped);
        }
    }
}
