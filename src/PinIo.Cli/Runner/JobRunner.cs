using System.Collections.Concurrent;
using System.Diagnostics;
using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;
using PinIo.Cli.Verify;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Cli.Runner;

/// <summary>
/// Runs one job on its own thread, the way fio's thread loop does: keep <c>iodepth</c>
/// requests in flight, reap at least one completion when the queue is full or the job is
/// out of work, submit new ones as old ones complete. Each I/O goes through PinIo's
/// <see cref="DirectIo"/> with a reused iterator; a completion is stamped on the thread that
/// ends it and handed to the job thread through a queue, so latency is measured where the I/O
/// ended and all statistics are kept by the job thread alone. Phases: layout (fill the region
/// so that reads return data; not measured), the main phase, and for writing jobs with
/// <c>verify</c> a read-back of every written block. Steady state allocates nothing: slots,
/// iterators, continuations and statistics are made up front.
/// </summary>
internal sealed partial class JobRunner : IDisposable
{
    private static readonly double s_nsPerTick = 1e9 / Stopwatch.Frequency;

    private readonly JobPlan _plan;
    private readonly IBlockDevice _device;
    private readonly IoSlot[] _slots;
    private readonly Stack<IoSlot> _free;
    private readonly ConcurrentQueue<IoSlot> _completed = new();
    private readonly SemaphoreSlim _completions = new(0);
    private readonly PagePool? _pool;
    private readonly PagePool? _sharedPool;
    private readonly Devices.FileDevice? _polled;
    private readonly BlockLog? _log;
    private readonly JobStats _stats = new();
    private readonly JobStats _unmeasured = new();
    private readonly RateSampler _sampler;
    private readonly JobProgress _progress;
    private readonly OffsetGenerator _offsets;
    private Taus88 _mix;

    private JobStats _recording;
    private bool _sampling;
    private int _inFlight;
    private long _cursor;
    private long _sequence;
    private long _issuedBytes;
    private VerifyFailure? _verifyFailure;
    private DirectIoException? _ioError;

    public JobRunner(JobPlan plan, IBlockDevice device)
    {
        _plan = plan;
        _device = device;
        _recording = _stats;
        _polled = device is Devices.FileDevice { IsPolled: true } polled ? polled : null;
        _sampler = new RateSampler(_stats);
        _progress = JobProgress.For(plan);
        _offsets = new OffsetGenerator(plan.Blocks, plan.Rw.IsRandom(), plan.RandomMap, Taus88.DeriveSeed(plan.Seed, plan.Number, 1));
        _mix = new Taus88(Taus88.DeriveSeed(plan.Seed, plan.Number, 2));
        _log = plan.Verify == VerifyKind.None ? null : new BlockLog(plan.Blocks);
        if (plan.FixedBufs)
        {
            // A file device registers its pool with the ring: buffers from it are fixed buffers.
            int pagesPerBlock = (plan.BlockSize + PageSize.Bytes - 1) / PageSize.Bytes;
            _sharedPool = (device as Devices.FileDevice)?.BufferPool;
            _pool = _sharedPool ?? new PagePool(checked(pagesPerBlock * plan.IoDepth));
        }
        _slots = CreateSlots();
        _free = new Stack<IoSlot>(_slots.Reverse());
    }

    public JobPlan Plan => _plan;

    /// <summary>Lays out the region when the job reads, so that reads return data (fio's "Laying out IO file"). Not measured.</summary>
    public void Prepare(CancellationToken ct)
    {
        if (!_plan.Rw.HasReads() || !_plan.Target.NeedsLayout)
        {
            return;
        }
        _recording = _unmeasured;
        _sampling = false;
        RunPhase(Phase.Layout, long.MaxValue, ct);
        _recording = _stats;
    }

    /// <summary>Runs the measured phases and returns what they did. Call once, after <see cref="Prepare"/>.</summary>
    public JobResult Run(CancellationToken ct)
    {
        CpuUsage cpuStart = CpuUsage.Now();
        PinCounts pinStart = PinCounts.Now();
        long deadline = _plan.RuntimeUs > 0 ? Stopwatch.GetTimestamp() + (long)(_plan.RuntimeUs * (Stopwatch.Frequency / 1e6)) : long.MaxValue;

        _sampling = true;
        long mainTicks = RunPhase(Phase.Main, deadline, ct);
        AddRuntime(mainTicks, _plan.Rw.HasReads(), _plan.Rw.HasWrites());
        long totalTicks = mainTicks;
        if (_log is not null && _plan.DoVerify && _plan.Rw.HasWrites() && _ioError is null && _verifyFailure is null && !ct.IsCancellationRequested)
        {
            long verifyTicks = RunPhase(Phase.Verify, long.MaxValue, ct);
            AddRuntime(verifyTicks, read: true, write: false);
            totalTicks += verifyTicks;
        }

        _progress.Finish();
        return new JobResult
        {
            Plan = _plan,
            Stats = _stats,
            Cpu = CpuUsage.Now() - cpuStart,
            Pins = PinCounts.Now() - pinStart,
            RuntimeMs = TicksToMs(totalTicks),
            FinishedAt = DateTime.Now,
            Error = _verifyFailure is not null ? JobResult.VerifyErrno : _ioError is not null ? (int)_ioError.Errno : 0,
            ErrorText = _verifyFailure?.Message ?? _ioError?.Message,
            VerifyFailure = _verifyFailure,
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
        _completions.Dispose();
    }

    private enum Phase
    {
        Layout,
        Main,
        Verify,
    }

    private bool Failed => _ioError is not null || _verifyFailure is not null;

    /// <summary>Runs one phase to its end (out of work, past the deadline, canceled or failed) with nothing left in flight; returns its length in ticks.</summary>
    private long RunPhase(Phase phase, long deadline, CancellationToken ct)
    {
        _cursor = 0;
        _issuedBytes = 0;
        _progress.BeginPhase(phase switch { Phase.Layout => JobPhase.LayingOut, Phase.Main => JobPhase.Running, _ => JobPhase.Verifying });
        long start = Stopwatch.GetTimestamp();
        if (_sampling)
        {
            _sampler.Start(start, read: phase == Phase.Verify || _plan.Rw.HasReads(), write: phase == Phase.Main && _plan.Rw.HasWrites());
        }
        bool issuing = true;
        while (true)
        {
            int queued = 0;
            while (issuing && _inFlight < _plan.IoDepth)
            {
                if (ct.IsCancellationRequested || Failed || Stopwatch.GetTimestamp() >= deadline || !TryNext(phase, out bool write, out long block))
                {
                    issuing = false;
                    break;
                }
                if (write && _log is not null)
                {
                    WaitUntilIdle(block);
                }
                if (Submit(_free.Pop(), phase, write, block))
                {
                    _recording.MarkDepth(1, 1);
                    _recording.MarkSubmitBatch(1);
                    _recording.MarkCompleteBatch(1);
                }
                else
                {
                    queued++;
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
            _recording.MarkCompleteBatch(ReapAtLeastOne());
        }
        long end = Stopwatch.GetTimestamp();
        if (_sampling)
        {
            _sampler.Finish(end);
        }
        return end - start;
    }

    private bool TryNext(Phase phase, out bool write, out long block)
    {
        switch (phase)
        {
            case Phase.Layout:
                write = true;
                block = _cursor++;
                return block < _plan.Blocks;
            case Phase.Verify:
                write = false;
                while (_cursor < _plan.Blocks && _log![_cursor] == BlockLog.NeverWritten)
                {
                    _cursor++;
                }
                block = _cursor++;
                return block < _plan.Blocks;
            default:
                write = _plan.Rw.IsMixed() ? (int)_mix.NextBelow(100) >= _plan.RwMixRead : _plan.Rw.HasWrites();
                block = _offsets.NextBlock();
                return _plan.TimeBased || _issuedBytes < _plan.IoBudget;
        }
    }

    /// <summary>Starts one I/O on <paramref name="slot"/>. Returns true when it completed within its call (and was accounted).</summary>
    private bool Submit(IoSlot slot, Phase phase, bool write, long block)
    {
        long offset = _plan.Offset + (block * _plan.BlockSize);
        slot.IsWrite = write;
        slot.Offset = offset;
        slot.Block = block;
        slot.VerifyOnComplete = false;
        if (_log is not null)
        {
            PrepareVerify(slot, phase);
        }
        IovIter iter = write ? slot.Buffer.WriteIter : slot.Buffer.ReadIter;
        slot.StartedAt = Stopwatch.GetTimestamp();
        ValueTask<long> pending;
        try
        {
            pending = write
                ? DirectIo.WriteAsync(_device, offset, iter, DirectIoFlags.InlineCompletion)
                : DirectIo.ReadAsync(_device, offset, iter, DirectIoFlags.InlineCompletion);
        }
        catch (DirectIoException e)
        {
            _ioError ??= e;
            BlockBuffer.Rewind(iter);
            _free.Push(slot);
            return true;
        }
        long now = Stopwatch.GetTimestamp();
        slot.SubmittedAt = now;
        slot.Pending = pending;
        _issuedBytes += _plan.BlockSize;
        if (pending.IsCompleted)
        {
            slot.CompletedInline = true;
            slot.CompletedAt = now;
            Complete(slot);
            return true;
        }
        slot.CompletedInline = false;
        slot.InFlight = true;
        _inFlight++;
        pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(slot.OnCompleted!);
        return false;
    }

    /// <summary>Waits for one completion at least, then takes every other one already there (fio's getevents with min=1).</summary>
    private int ReapAtLeastOne()
    {
        if (_polled is not null)
        {
            // The job's thread owns the ring: one io_uring_enter submits what was queued and
            // waits for a completion, which then ends inline, here.
            while (_completed.IsEmpty)
            {
                _polled.Poll(1);
            }
        }
        _completions.Wait();
        int reaped = 0;
        do
        {
            if (!_completed.TryDequeue(out IoSlot? slot))
            {
                throw new InvalidOperationException("a completion was signaled but none was queued");
            }
            slot.InFlight = false;
            _inFlight--;
            Complete(slot);
            reaped++;
        }
        while (_completions.Wait(0));
        return reaped;
    }

    /// <summary>Accounts a finished I/O on the job thread and frees its slot.</summary>
    private void Complete(IoSlot slot)
    {
        long bytes = 0;
        try
        {
            bytes = slot.Pending.Result;
        }
        catch (DirectIoException e)
        {
            _ioError ??= e;
        }
        slot.Pending = default;
        BlockBuffer.Rewind(slot.IsWrite ? slot.Buffer.WriteIter : slot.Buffer.ReadIter);

        long latNs = TicksToNs(slot.CompletedAt - slot.StartedAt);
        long slatNs = -1;
        long clatNs = latNs;
        if (!slot.CompletedInline)
        {
            slatNs = TicksToNs(slot.SubmittedAt - slot.StartedAt);
            clatNs = Math.Max(0, TicksToNs(slot.CompletedAt - slot.SubmittedAt));
        }
        if (bytes > 0)
        {
            _recording[slot.IsWrite ? IoDir.Write : IoDir.Read].Record(bytes, bytes < _plan.BlockSize, slatNs, clatNs, latNs);
            _recording.MarkLatency(latNs);
        }
        if (slot.VerifyOnComplete && _verifyFailure is null)
        {
            _verifyFailure = bytes == _plan.BlockSize
                ? VerifyHeader.Check(slot.Buffer.Span, slot.Offset, _plan.Seed, slot.Sequence)
                : new VerifyFailure(slot.Offset, _plan.BlockSize, "short read", $"{_plan.BlockSize} bytes", $"{bytes} bytes");
        }
        if (_sampling)
        {
            _sampler.Tick(slot.CompletedAt);
            _progress.Completed(slot.IsWrite, bytes);
        }
        _free.Push(slot);
    }

    /// <summary>Runs on the thread that ends the I/O: stamps the time and hands the slot to the job thread.</summary>
    private void OnIoCompleted(IoSlot slot)
    {
        slot.CompletedAt = Stopwatch.GetTimestamp();
        _completed.Enqueue(slot);
        _completions.Release();
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
        byte[]? arena = _pool is null ? GC.AllocateArray<byte>(checked((stride * _plan.IoDepth) + PageSize.Bytes), pinned: true) : null;
        int skip = arena is null ? 0 : AlignmentSkip(arena);
        var slots = new IoSlot[_plan.IoDepth];
        var random = new Random((int)_plan.Seed);
        for (int i = 0; i < slots.Length; i++)
        {
            BlockBuffer buffer = _pool is not null
                ? BlockBuffer.FromPool(_pool, bs) ?? throw new InvalidOperationException("a fresh page pool has no run of pages for a block")
                : BlockBuffer.FromManaged(arena.AsMemory(skip + (i * stride), bs));
            random.NextBytes(buffer.Span);
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

    private static long TicksToNs(long ticks) => (long)(ticks * s_nsPerTick);

    private static long TicksToMs(long ticks) => (long)Math.Round(ticks * 1000.0 / Stopwatch.Frequency);
}
