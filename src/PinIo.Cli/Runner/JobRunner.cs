// Follows fio's backend.c (do_io, thread_main) and io_u.c in meaning, not in code.
using System.Collections.Concurrent;
using System.Diagnostics;
using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Logs;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;
using PinIo.Cli.Verify;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Cli.Runner;

/// <summary>
/// Runs one job on its own thread, the way fio's thread loop does: keep <c>iodepth</c>
/// requests in flight, submitting them in batches of <c>iodepth_batch_submit</c> and reaping at
/// least <c>iodepth_batch_complete_min</c> completions when the queue is full or the job is out
/// of work. Each I/O goes through PinIo's <see cref="DirectIo"/> (or a Volume file's own, see <see cref="IJobIo"/>) with a reused iterator (or,
/// for ioengine=dotnet, through <see cref="RandomAccess"/> on the same buffers); a completion is
/// stamped on the thread that ends it and handed to the job thread through a queue, so latency
/// is measured where the I/O ended and all statistics are kept by the job thread alone.
/// Phases: layout (fill the region so that reads return data; not measured), ramp (run,
/// not measured), the main phase, and for writing jobs with <c>verify</c> a read-back of every
/// written block. Steady state allocates nothing per I/O: slots, iterators, continuations,
/// block-size and offset generators and statistics are made up front; so are the buffers of
/// the job's logs, which are written out in chunks as they fill.
/// </summary>
internal sealed partial class JobRunner : IDisposable
{
    /// <summary>Layout writes number from here, apart from the main phase's, which a verify_only replay numbers from 0.</summary>
    private const long LayoutSequenceBase = 1L << 62;

    private static readonly double s_nsPerTick = 1e9 / Stopwatch.Frequency;

    private readonly JobPlan _plan;
    private readonly IJobIo? _io;
    private readonly IBufferedJobIo? _buffered;
    private readonly DotnetFile? _dotnet;
    private readonly IoSlot[] _slots;
    private readonly Stack<IoSlot> _free;
    private readonly ConcurrentQueue<IoSlot> _completed = new();
    private readonly SemaphoreSlim _completions = new(0);
    private readonly Queue<IoSlot> _completedOnJobThread;
    private readonly IoSlot[] _uncommitted;
    private readonly PagePool? _pool;
    private readonly PagePool? _nativePool;
    private readonly PagePool? _sharedPool;
    private readonly Devices.FileDevice? _polled;
    private readonly BlockLog? _log;
    private readonly JobStats _stats = new();
    private readonly PinCounter _pins = new();
    private readonly JobStats _unmeasured = new();
    private readonly RateSampler _sampler;
    private readonly JobProgress _progress;
    private readonly OffsetGenerator _offsets;
    private readonly BlockSizePicker _readSizes;
    private readonly BlockSizePicker _writeSizes;
    private readonly int _layoutChunk;
    private readonly JobLogs? _logs;
    private readonly LogFiles? _ownLogFiles;
    private Taus88 _mix;
    private ulong _fillState;

    private JobStats _recording;
    private bool _sampling;
    private int _inFlight;
    private int _jobThreadId;
    private long _pollStamp;
    private int _uncommittedCount;
    private long _cursor;
    private long _sequence;
    private long _layoutSequence = LayoutSequenceBase;
    private long _issuedBytes;
    private long _passBase;
    private int _writesSinceFlush;
    private bool _flushDue;
    private long _flushes;
    private Exception? _ioError;

    // fio's io_uring engine sets disable_slat with sqthread_poll: submitting is storing into the
    // SQ ring (a syscall only to wake the kernel thread), so no submission latency is recorded.
    private readonly bool _slatDisabled;

    // gtod_reduce, or all of disable_lat/clat/slat/bw, and no log that wants times: nothing
    // reads an I/O's submission or completion stamp, so they are not taken (fio's gtod_reduce()).
    // The issue loop's one read per I/O stays: runtime and time_based need it.
    private readonly bool _clockReduced;

    /// <summary>
    /// A runner for <paramref name="plan"/> on <paramref name="device"/>. The job's logs go to
    /// <paramref name="logFiles"/>, opened for the whole run; without it, a job that writes logs
    /// opens its own files, which the runner closes in <see cref="Dispose"/>.
    /// </summary>
    public JobRunner(JobPlan plan, IBlockDevice device, LogFiles? logFiles = null)
        : this(plan, device, new DeviceJobIo(device), null, logFiles)
    {
    }

    /// <summary>A runner whose I/O goes through <paramref name="io"/> (a file inside a Volume) on <paramref name="device"/>, the device underneath.</summary>
    public JobRunner(JobPlan plan, IJobIo io, IBlockDevice device, LogFiles? logFiles = null)
        : this(plan, device, io, null, logFiles)
    {
    }

    public JobRunner(JobPlan plan, DotnetFile file, LogFiles? logFiles = null)
        : this(plan, null, null, file, logFiles)
    {
    }

    private JobRunner(JobPlan plan, IBlockDevice? device, IJobIo? io, DotnetFile? dotnet, LogFiles? logFiles)
    {
        _plan = plan;
        _io = io;
        _buffered = io is IBufferedJobIo { Buffered: true } buffered ? buffered : null;
        _dotnet = dotnet;
        _recording = _stats;
        _polled = device is Devices.FileDevice { IsPolled: true } polled ? polled : null;
        _slatDisabled = plan.DisableSlat || plan.Target is FileTarget { SubmissionPolling: true };
        _clockReduced = plan.DisableLat && plan.DisableClat && plan.DisableSlat && plan.DisableBw && !plan.Logs.Any;
        _sampler = new RateSampler(_stats);
        _progress = JobProgress.For(plan);
        int minLength = Math.Min(plan.Rw.HasReads() ? plan.Bs.Read.Min : int.MaxValue, plan.Rw.HasWrites() ? plan.Bs.Write.Min : int.MaxValue);
        _offsets = new OffsetGenerator(plan.Size, plan.Grain, minLength, plan.Rw.IsRandom(), plan.RandomMap, plan.Distribution, plan.RwModifier,
            Taus88.DeriveSeed(plan.Seed, plan.Number, 1));
        _mix = new Taus88(Taus88.DeriveSeed(plan.Seed, plan.Number, 2));
        _readSizes = new BlockSizePicker(plan.Bs.Read, Taus88.DeriveSeed(plan.Seed, plan.Number, 3));
        _writeSizes = new BlockSizePicker(plan.Bs.Write, Taus88.DeriveSeed(plan.Seed, plan.Number, 4));
        _fillState = Taus88.DeriveSeed(plan.Seed, plan.Number, 5);
        _log = plan.Verify == VerifyKind.None ? null : new BlockLog(plan.Grains);
        // With verification, lay out in read-sized pieces where reads have one size, so that the
        // main phase's reads land on whole logged writes and can be checked.
        int chunk = _log is not null && plan.Bs.Read.IsFixed && plan.Rw.HasReads() ? plan.Bs.Read.Min : plan.BlockSize;
        _layoutChunk = Math.Max(plan.Grain, chunk / plan.Grain * plan.Grain);
        _failures = new List<VerifyFailure>(MaxFailuresKept);
        int backlog = plan.VerifyBacklog > 0 && _log is not null && plan.Rw.HasWrites() ? plan.VerifyBacklog : 0;
        _backlogFirst = new long[backlog];
        _backlogCount = new int[backlog];
        _backlogSequence = new long[backlog];
        int slotPages = checked(PageSize.PagesSpanned(0, plan.BlockSize) * plan.IoDepth);
        if (plan.FixedBufs && _buffered is null)
        {
            // A file device registers its pool with the ring: buffers from it are fixed buffers.
            _sharedPool = (device as Devices.FileDevice)?.BufferPool;
            _pool = _sharedPool ?? new PagePool(slotPages);
        }
        else if (dotnet is null)
        {
            // Buffered I/O copies through the page cache from plain memory, fixedbufs or not.
            // fio's buffers without fixedbufs are plain memory the kernel pins per I/O: native
            // pages the ring has not registered, which PinIo pins per I/O as user memory.
            _nativePool = new PagePool(slotPages);
        }
        _slots = CreateSlots();
        _completedOnJobThread = new Queue<IoSlot>(_slots.Length);
        _uncommitted = new IoSlot[_slots.Length];
        _free = new Stack<IoSlot>(_slots.Reverse());
        // Last, so that nothing after it can fail and leave the files open.
        if (plan.Logs.Any && logFiles is null)
        {
            _ownLogFiles = logFiles = LogFiles.Open([plan]);
        }
        _logs = logFiles is null ? null : JobLogs.Create(plan.Logs, logFiles);
    }

    public JobPlan Plan => _plan;

    /// <summary>The layouts of the job's target, shared with the other jobs on it; null: the job lays out its region itself.</summary>
    public SharedLayout? SharedLayout { get; init; }

    /// <summary>Lays out the region when the job reads, so that reads return data (fio's "Laying out IO file"). Not measured.</summary>
    public void Prepare(CancellationToken ct)
    {
        _jobThreadId = Environment.CurrentManagedThreadId;
        if (!_plan.Rw.HasReads() || !_plan.Target.NeedsLayout || _plan.VerifyOnly)
        {
            return;
        }
        if (_log is null && _dotnet is null)
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
        _recording = _unmeasured;
        _sampling = false;
        RunPhase(Phase.Layout, long.MaxValue, ct);
        _recording = _stats;
    }

    /// <summary>
    /// A layout whose data nobody checks: the region written in 1 MiB pieces, one at a time,
    /// from pool pages of its own (so nothing is pinned per I/O), however small the job's blocks.
    /// Returns whether the whole region was written.
    /// </summary>
    private bool LayOutQuickly(CancellationToken ct)
    {
        const int Chunk = 1 << 20;
        using var pool = new PagePool(Chunk / PageSize.Bytes);
        BlockBuffer buffer = BlockBuffer.FromPool(pool, Chunk) ?? throw new InvalidOperationException("a fresh page pool has no run of pages for the layout buffer");
        try
        {
            FillBuffer(buffer.Span);
            IovIter iter = buffer.WriteIter;
            for (long offset = 0; offset < _plan.Size && _ioError is null && !ct.IsCancellationRequested; offset += Chunk)
            {
                int length = (int)Math.Min(Chunk, _plan.Size - offset);
                RenewWriteData(buffer.Span[..length], _plan.Offset + offset);
                BlockBuffer.Shorten(iter, length);
                try
                {
                    ValueTask<long> write = _io!.WriteAsync(_plan.Offset + offset, iter);
                    while (_polled is not null && !write.IsCompleted)
                    {
                        PollDevice(1);
                    }
                    write.AsTask().GetAwaiter().GetResult();
                }
                catch (DirectIoException e)
                {
                    _ioError ??= e;
                }
                finally
                {
                    buffer.Rewind(iter);
                }
            }
        }
        finally
        {
            buffer.Release();
        }
        return _ioError is null && !ct.IsCancellationRequested;
    }

    /// <summary>invalidate=1 on a buffered Volume file: its cached pages dropped before the job starts, as fio's file_invalidate_cache.</summary>
    private void InvalidateCache()
    {
        if (_buffered is null || _plan.Target is not VolumeTarget { Invalidate: true })
        {
            return;
        }
        try
        {
            _buffered.InvalidateCacheAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (DirectIoException e)
        {
            _ioError ??= e;
        }
    }

    /// <summary>Runs the measured phases and returns what they did. Call once, after <see cref="Prepare"/>.</summary>
    public JobResult Run(CancellationToken ct)
    {
        _jobThreadId = Environment.CurrentManagedThreadId;
        InvalidateCache();
        long startTimestamp = Stopwatch.GetTimestamp();
        if (_plan.RampUs > 0 && !_plan.VerifyOnly)
        {
            _recording = _unmeasured;
            _sampling = false;
            RunPhase(Phase.Main, Stopwatch.GetTimestamp() + UsToTicks(_plan.RampUs), ct);
            _recording = _stats;
        }
        CpuUsage cpuStart = ReadCpu();
        PinCounts pinStart = PinCounts.Of(_pins);
        PageCacheStats? cacheStart = (_io as IBufferedJobIo)?.CacheStats;
        // fio's epoch, the zero of its log times, is reset when ramp_time ends.
        _logs?.Start(Stopwatch.GetTimestamp());
        long totalTicks = RunMeasuredPhases(ct);

        _progress.Finish();
        FinishLogs();
        PinCounts pins = PinCounts.Of(_pins) - pinStart;
        if (cacheStart is not null)
        {
            pins = pins with { Cache = CacheCounts.Between(cacheStart, ((IBufferedJobIo)_io!).CacheStats) };
        }
        if (_plan.FsyncOnClose && _plan.Rw.HasWrites() && _ioError is null)
        {
            FlushOnClose();
        }
        return new JobResult
        {
            Plan = _plan,
            Stats = _stats,
            Cpu = ReadCpu() - cpuStart,
            Pins = pins,
            RuntimeMs = TicksToMs(totalTicks),
            FinishedAt = DateTime.Now,
            StartTimestamp = startTimestamp,
            EndTimestamp = Stopwatch.GetTimestamp(),
            Error = _verifyFailure is not null ? JobResult.VerifyErrno : ErrnoOf(_ioError),
            ErrorText = VerifySummary() ?? _ioError?.Message,
            VerifyFailure = _verifyFailure,
            VerifyFailures = _failures,
            VerifyMismatches = _verifyMismatches,
            Flushes = _flushes,
        };
    }

    public void Dispose()
    {
        foreach (IoSlot slot in _slots)
        {
            slot.Buffer.Release();
        }
        if (_sharedPool is null)
        {
            _pool?.Dispose();
        }
        _nativePool?.Dispose();
        _completions.Dispose();
        _ownLogFiles?.Dispose();
    }

    /// <summary>Writes out the logs; one that could not be written fails the job, as an I/O error does.</summary>
    private void FinishLogs()
    {
        if (_logs is null)
        {
            return;
        }
        _logs.Finish(Stopwatch.GetTimestamp());
        _ioError ??= _logs.Error;
    }

    private enum Phase
    {
        Layout,
        Main,
        Verify,
    }

    /// <summary>Whether the job must stop issuing: an I/O error, or a mismatch with verify_fatal.</summary>
    private bool Failed => _ioError is not null || (_verifyFailure is not null && _plan.VerifyFatal);

    /// <summary>Runs one phase to its end (out of work, past the deadline, canceled or failed) with nothing left in flight; returns its length in ticks.</summary>
    private long RunPhase(Phase phase, long deadline, CancellationToken ct)
    {
        _cursor = 0;
        _issuedBytes = 0;
        _progress.BeginPhase(phase switch { Phase.Layout => JobPhase.LayingOut, Phase.Main => JobPhase.Running, _ => JobPhase.Verifying });
        _passBase = _offsets.Passes;
        long start = Stopwatch.GetTimestamp();
        if (_sampling && !_plan.DisableBw)
        {
            _sampler.Start(start, read: phase == Phase.Verify || _plan.Rw.HasReads(), write: phase == Phase.Main && _plan.Rw.HasWrites());
        }
        bool issuing = true;
        while (true)
        {
            int queued = 0;
            while (issuing && _inFlight < _plan.IoDepth)
            {
                long now = Stopwatch.GetTimestamp();
                if (ct.IsCancellationRequested || Failed || now >= deadline)
                {
                    issuing = false;
                    break;
                }
                if (_flushDue)
                {
                    DrainAndFlush();
                    continue;
                }
                if (!TryNext(phase, out IoRequest request))
                {
                    issuing = false;
                    break;
                }
                if (_log is not null)
                {
                    WaitForOverlaps(request.Offset, request.Length, request.Write);
                }
                if (_uncommittedCount >= _plan.BatchSubmit)
                {
                    // iodepth_batch_submit I/Os are prepared: submit them before preparing more.
                    CommitPolled();
                }
                IoSlot slot = _free.Pop();
                if (Submit(slot, phase, request, now))
                {
                    _recording.MarkDepth(1, 1);
                    _recording.MarkSubmitBatch(1);
                    _recording.MarkCompleteBatch(1);
                }
                else
                {
                    queued++;
                    if (_polled is not null)
                    {
                        _uncommitted[_uncommittedCount++] = slot;
                    }
                }
            }
            if (queued > 0)
            {
                _recording.MarkDepth(_inFlight, queued);
                _recording.MarkSubmitBatch(queued);
            }
            if (_inFlight == 0)
            {
                if (!issuing)
                {
                    break;
                }
                continue;
            }
            int reaped = Reap(issuing ? _plan.BatchCompleteMin : 1);
            if (reaped > 0)
            {
                _recording.MarkCompleteBatch(reaped);
            }
            else
            {
                Thread.SpinWait(16);
            }
        }
        long end = Stopwatch.GetTimestamp();
        if (_sampling && !_plan.DisableBw)
        {
            _sampler.Finish(end);
        }
        return end - start;
    }

    /// <summary>The next I/O of a phase, or false when the phase has no more work.</summary>
    private bool TryNext(Phase phase, out IoRequest request)
    {
        switch (phase)
        {
            case Phase.Layout:
            {
                long offset = _cursor;
                int length = (int)Math.Min(_layoutChunk, _plan.Size - offset);
                _cursor += length;
                request = new IoRequest(true, offset, length, BlockLog.NeverWritten, CountsToBudget: true);
                return offset < _plan.Size;
            }
            case Phase.Verify:
                return TryNextVerify(out request);
            default:
                if (_backlogDraining && TryNextBacklog(out request))
                {
                    return true;
                }
                return TryNextMain(out request);
        }
    }

    /// <summary>The main phase's next I/O: direction by rwmixread, size by bs/bsrange/bssplit, offset from the generator; false past the budget or the passes.</summary>
    private bool TryNextMain(out IoRequest request)
    {
        if ((!_plan.TimeBased || _verifyCycles) && (_issuedBytes >= _plan.IoBudget || _offsets.Passes - _passBase >= _plan.MaxPasses))
        {
            request = default;
            return false;
        }
        bool write = _plan.Rw.IsMixed() ? (int)_mix.NextBelow(100) >= _plan.RwMixRead : _plan.Rw.HasWrites();
        int length = write ? _writeSizes.Next() : _readSizes.Next();
        long offset = _offsets.Next(length);
        request = new IoRequest(write, offset, length, write ? BlockLog.NeverWritten : ExpectedForRead(offset, length), CountsToBudget: true);
        return true;
    }

    /// <summary>
    /// Starts one I/O on <paramref name="slot"/>. Returns true when it completed within its call
    /// (and was accounted), or failed to start.
    /// </summary>
    private bool Submit(IoSlot slot, Phase phase, IoRequest request, long now)
    {
        long offset = _plan.Offset + request.Offset;
        slot.IsWrite = request.Write;
        slot.Offset = offset;
        slot.RegionOffset = request.Offset;
        slot.Length = request.Length;
        slot.Sequence = request.Expected;
        slot.VerifyOnComplete = !request.Write && request.Expected != BlockLog.NeverWritten;
        if (request.Write)
        {
            PrepareWrite(slot, phase);
        }
        // The start is stamped once the buffer is ready, as fio's is: a write that was filled
        // (verify headers, refill_buffers) takes a fresh time.
        slot.StartedAt = request.Write && (_log is not null || _plan.RefillBuffers) && !_clockReduced ? Stopwatch.GetTimestamp() : now;
        slot.CompletedAt = 0;
        if (request.CountsToBudget)
        {
            _issuedBytes += request.Length;
        }
        switch (_dotnet is not null ? StartDotnet(slot) : StartPinIo(slot))
        {
            case Start.Failed:
                _free.Push(slot);
                return true;
            case Start.Completed:
                slot.CompletedInline = true;
                slot.CompletedAt = slot.SubmittedAt;
                Complete(slot);
                return true;
            default:
                slot.CompletedInline = false;
                slot.InFlight = true;
                _inFlight++;
                if (_polled is null)
                {
                    LogSubmitted(slot);
                }
                return false;
        }
    }

    private enum Start
    {
        InFlight,
        Completed,
        Failed,
    }

    /// <summary>Starts a PinIo I/O: in flight, ended within its call, or refused (the error is kept).</summary>
    private Start StartPinIo(IoSlot slot)
    {
        if (_buffered is not null)
        {
            return StartBuffered(slot);
        }
        IovIter iter = slot.IsWrite ? slot.Buffer.WriteIter : slot.Buffer.ReadIter;
        BlockBuffer.Shorten(iter, slot.Length);
        ValueTask<long> pending;
        try
        {
            pending = slot.IsWrite
                ? _io!.WriteAsync(slot.Offset, iter)
                : _io!.ReadAsync(slot.Offset, iter);
        }
        catch (DirectIoException e)
        {
            _ioError ??= e;
            slot.Buffer.Rewind(iter);
            return Start.Failed;
        }
        // On a polled ring the request is only queued here: CommitPolled stamps its submission.
        slot.SubmittedAt = _polled is null ? Stamp(slot) : slot.StartedAt;
        slot.Kind = PendingKind.PinIo;
        slot.Pending = pending;
        if (pending.IsCompleted)
        {
            return Start.Completed;
        }
        pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(slot.OnCompleted!);
        return Start.InFlight;
    }

    /// <summary>direct=0 on a Volume file: the I/O through its page cache, from the slot's memory.</summary>
    private Start StartBuffered(IoSlot slot)
    {
        Memory<byte> memory = slot.Buffer.Memory[..slot.Length];
        ValueTask<int> pending;
        try
        {
            pending = slot.IsWrite ? _buffered!.WriteBufferedAsync(slot.Offset, memory) : _buffered!.ReadBufferedAsync(slot.Offset, memory);
        }
        catch (DirectIoException e)
        {
            _ioError ??= e;
            return Start.Failed;
        }
        slot.SubmittedAt = Stamp(slot);
        slot.Kind = PendingKind.Buffered;
        slot.PendingBuffered = pending;
        if (pending.IsCompleted)
        {
            return Start.Completed;
        }
        pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(slot.OnCompleted!);
        return Start.InFlight;
    }

    /// <summary>ioengine=dotnet: the same I/O through RandomAccess, which runs it on the thread pool.</summary>
    private Start StartDotnet(IoSlot slot)
    {
        Memory<byte> memory = slot.Buffer.Memory[..slot.Length];
        try
        {
            if (slot.IsWrite)
            {
                ValueTask pending = RandomAccess.WriteAsync(_dotnet!.Handle, memory, slot.Offset);
                slot.SubmittedAt = Stamp(slot);
                slot.Kind = PendingKind.DotnetWrite;
                slot.PendingDotnetWrite = pending;
                if (pending.IsCompleted)
                {
                    return Start.Completed;
                }
                pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(slot.OnCompleted!);
                return Start.InFlight;
            }
            ValueTask<int> read = RandomAccess.ReadAsync(_dotnet!.Handle, memory, slot.Offset);
            slot.SubmittedAt = Stamp(slot);
            slot.Kind = PendingKind.DotnetRead;
            slot.PendingDotnetRead = read;
            if (read.IsCompleted)
            {
                return Start.Completed;
            }
            read.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(slot.OnCompleted!);
            return Start.InFlight;
        }
        catch (IOException e)
        {
            _ioError ??= e;
            return Start.Failed;
        }
    }

    /// <summary>
    /// Waits for at least <paramref name="min"/> completions (no more than are in flight; 0 takes
    /// what has ended without waiting), then takes every other one already there (fio's
    /// io_getevents with min and max).
    /// </summary>
    private int Reap(int min)
    {
        CommitPolled();
        min = Math.Min(min, _inFlight);
        if (_polled is not null)
        {
            // The job's thread owns the ring: what was prepared is committed above, and here
            // one io_uring_enter waits; the completions end inline, in it.
            if (min == 0)
            {
                PollDevice(0);
            }
            while (_completedOnJobThread.Count < min)
            {
                PollDevice(min - _completedOnJobThread.Count);
            }
        }
        int reaped = 0;
        while (_completedOnJobThread.TryDequeue(out IoSlot? slot))
        {
            TakeCompleted(slot);
            reaped++;
        }
        for (; reaped < min; reaped++)
        {
            _completions.Wait();
            TakeCompletedElsewhere();
        }
        while (_completions.CurrentCount > 0 && _completions.Wait(0))
        {
            TakeCompletedElsewhere();
            reaped++;
        }
        return reaped;
    }

    /// <summary>
    /// Polled ring: submits the prepared I/Os with an io_uring_enter of their own, which reaps
    /// nothing, and stamps them submitted once it returns, as fio's commit does — so slat
    /// covers the submitting syscall, clat runs until the reap that sees the completion, and
    /// a slot stays in flight until then, in fio's meaning.
    /// </summary>
    private void CommitPolled()
    {
        if (_uncommittedCount == 0)
        {
            return;
        }
        _polled!.Commit();
        _pollStamp = 0; // a request the engine failed while submitting ended here, stamped alone
        long now = Stopwatch.GetTimestamp();
        for (int i = 0; i < _uncommittedCount; i++)
        {
            IoSlot slot = _uncommitted[i];
            // One that already ended (inside this enter) was submitted no later than it ended.
            slot.SubmittedAt = slot.CompletedAt != 0 ? Math.Min(now, slot.CompletedAt) : now;
            LogSubmitted(slot);
            _uncommitted[i] = null!;
        }
        _uncommittedCount = 0;
    }

    /// <summary>
    /// Reaps the polled ring. The completions it ends are stamped with one time, taken when
    /// the first of them is handled — fio stamps a reaped batch once, before handling it.
    /// </summary>
    private void PollDevice(int minComplete)
    {
        _pollStamp = 0;
        _polled!.Poll(minComplete);
        _pollStamp = 0;
    }

    /// <summary>Now, or with a reduced clock the I/O's start: a stamp nothing will read, never 0 (CommitPolled takes 0 for "not ended").</summary>
    private long Stamp(IoSlot slot) => _clockReduced ? slot.StartedAt : Stopwatch.GetTimestamp();

    private void LogSubmitted(IoSlot slot)
    {
        if (_sampling && !_slatDisabled)
        {
            _logs?.Submitted(slot.IsWrite ? IoDir.Write : IoDir.Read, slot.Length, slot.Offset, TicksToNs(slot.SubmittedAt - slot.StartedAt), slot.SubmittedAt);
        }
    }

    private void TakeCompletedElsewhere()
    {
        if (!_completed.TryDequeue(out IoSlot? slot))
        {
            throw new InvalidOperationException("a completion was signaled but none was queued");
        }
        TakeCompleted(slot);
    }

    private void TakeCompleted(IoSlot slot)
    {
        slot.InFlight = false;
        _inFlight--;
        Complete(slot);
    }

    /// <summary>Accounts a finished I/O on the job thread and frees its slot.</summary>
    private void Complete(IoSlot slot)
    {
        long bytes = 0;
        try
        {
            switch (slot.Kind)
            {
                case PendingKind.PinIo:
                    bytes = slot.Pending.Result;
                    break;
                case PendingKind.DotnetRead:
                    bytes = slot.PendingDotnetRead.Result;
                    break;
                case PendingKind.Buffered:
                    bytes = slot.PendingBuffered.Result;
                    break;
                default:
                    slot.PendingDotnetWrite.GetAwaiter().GetResult();
                    bytes = slot.Length;
                    break;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _ioError ??= e;
        }
        slot.Pending = default;
        slot.PendingDotnetRead = default;
        slot.PendingDotnetWrite = default;
        slot.PendingBuffered = default;
        if (_dotnet is null && _buffered is null)
        {
            slot.Buffer.Rewind(slot.IsWrite ? slot.Buffer.WriteIter : slot.Buffer.ReadIter);
        }

        long latNs = TicksToNs(slot.CompletedAt - slot.StartedAt);
        long slatNs = -1;
        long clatNs = latNs;
        if (!slot.CompletedInline)
        {
            slatNs = _slatDisabled ? -1 : TicksToNs(slot.SubmittedAt - slot.StartedAt);
            clatNs = Math.Max(0, TicksToNs(slot.CompletedAt - slot.SubmittedAt));
        }
        if (bytes > 0)
        {
            _recording[slot.IsWrite ? IoDir.Write : IoDir.Read].Record(bytes, bytes < slot.Length, slatNs,
                _plan.DisableClat ? -1 : clatNs, _plan.DisableLat ? -1 : latNs);
            if (!_plan.DisableClat)
            {
                // fio marks its latency decades with the clat sample (io_u_mark_latency under !disable_clat).
                _recording.MarkLatency(latNs);
            }
        }
        if (slot.VerifyOnComplete)
        {
            CheckRead(slot, bytes);
        }
        if (_sampling)
        {
            if (!_plan.DisableBw)
            {
                _sampler.Tick(slot.CompletedAt);
            }
            _progress.Completed(slot.IsWrite, bytes);
            if (bytes > 0)
            {
                _logs?.Completed(slot.IsWrite ? IoDir.Write : IoDir.Read, bytes, slot.Offset, clatNs, latNs, slot.CompletedAt);
            }
        }
        _free.Push(slot);
    }

    /// <summary>
    /// Runs on the thread that ends the I/O: stamps the time and hands the slot to the job
    /// thread — through a plain queue when that is this thread (a polled ring ends I/O inside
    /// the job's own io_uring_enter), else through a concurrent queue and a semaphore.
    /// </summary>
    private void OnIoCompleted(IoSlot slot)
    {
        if (Environment.CurrentManagedThreadId == _jobThreadId)
        {
            // Inside PollDevice: the batch's completions share one time, taken at the first.
            if (_pollStamp == 0)
            {
                _pollStamp = Stopwatch.GetTimestamp();
            }
            slot.CompletedAt = _pollStamp;
            _completedOnJobThread.Enqueue(slot);
            return;
        }
        slot.CompletedAt = Stamp(slot);
        _completed.Enqueue(slot);
        _completions.Release();
    }

    /// <summary>Reaps everything in flight, then flushes the device (fsync=N, end_fsync): a flush covers the writes that completed before it.</summary>
    private void DrainAndFlush()
    {
        _flushDue = false;
        while (_inFlight > 0)
        {
            int reaped = Reap(1);
            _recording.MarkCompleteBatch(reaped);
        }
        Flush();
    }

    private void Flush()
    {
        long start = Stopwatch.GetTimestamp();
        try
        {
            FlushTarget();
            _flushes++;
            _recording.RecordSync(TicksToNs(Stopwatch.GetTimestamp() - start));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _ioError ??= e;
        }
    }

    /// <summary>fsync_on_close: the file flushed as the job closes it, outside its measured time and its sync latencies.</summary>
    private void FlushOnClose()
    {
        try
        {
            FlushTarget();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _ioError ??= e;
        }
    }

    /// <summary>fsync of the job's target: a Volume file's dirty cached pages and metadata, then a device flush.</summary>
    private void FlushTarget()
    {
        if (_dotnet is not null)
        {
            RandomAccess.FlushToDisk(_dotnet.Handle);
            return;
        }
        ValueTask flush = _io!.FlushAsync();
        while (_polled is not null && !flush.IsCompleted)
        {
            PollDevice(1);
        }
        flush.AsTask().GetAwaiter().GetResult();
    }

    private void AddRuntime(long ticks, bool read, bool write)
    {
        long ms = TicksToMs(ticks);
        if (read)
        {
            _stats.Read.RuntimeMs += ms;
        }
        if (write)
        {
            _stats.Write.RuntimeMs += ms;
        }
    }

    private IoSlot[] CreateSlots()
    {
        int bs = _plan.BlockSize;
        int stride = (bs + PageSize.Bytes - 1) / PageSize.Bytes * PageSize.Bytes;
        byte[]? arena = _pool is null && _nativePool is null ? GC.AllocateArray<byte>(checked((stride * _plan.IoDepth) + PageSize.Bytes), pinned: true) : null;
        int skip = arena is null ? 0 : AlignmentSkip(arena);
        var slots = new IoSlot[_plan.IoDepth];
        for (int i = 0; i < slots.Length; i++)
        {
            BlockBuffer buffer = _pool is not null ? BlockBuffer.FromPool(_pool, bs) ?? throw new InvalidOperationException("a fresh page pool has no run of pages for a block")
                : _nativePool is not null ? BlockBuffer.FromNative(_nativePool, bs) ?? throw new InvalidOperationException("a fresh page pool has no run of pages for a block")
                : BlockBuffer.FromManaged(arena.AsMemory(skip + (i * stride), bs));
            FillBuffer(buffer.Span);
            // The job's own pins, wherever its I/O ends: the process's count holds every job's.
            buffer.ReadIter.PinCounter = _pins;
            buffer.WriteIter.PinCounter = _pins;
            IoSlot slot = new(i, buffer);
            slot.OnCompleted = () => OnIoCompleted(slot);
            slots[i] = slot;
        }
        return slots;
    }

    private static unsafe int AlignmentSkip(byte[] pinnedArray)
    {
        fixed (byte* p = pinnedArray)
        {
            return (int)((PageSize.Bytes - ((nint)p & (PageSize.Bytes - 1))) & (PageSize.Bytes - 1));
        }
    }

    private static int ErrnoOf(Exception? error) => error switch
    {
        null => 0,
        DirectIoException d => (int)d.Errno,
        _ => (int)Errno.EIO,
    };

    /// <summary>The job thread's own counters when it does all of the job's work, else the process's.</summary>
    private CpuUsage ReadCpu() => _plan.Target.CompletesOnJobThread ? CpuUsage.ForThread() : CpuUsage.ForProcess();

    private static long UsToTicks(long us) => (long)(us * (Stopwatch.Frequency / 1e6));

    private static long TicksToNs(long ticks) => (long)(ticks * s_nsPerTick);

    private static long TicksToMs(long ticks) => (long)Math.Round(ticks * 1000.0 / Stopwatch.Frequency);

    /// <summary>One I/O to issue: direction, bytes from the region's start, length, and the write sequence a read must find (NeverWritten: unchecked).</summary>
    private readonly record struct IoRequest(bool Write, long Offset, int Length, long Expected, bool CountsToBudget);
}
