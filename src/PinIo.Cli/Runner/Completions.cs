// Follows fio's io_u_queued_complete and the io_uring engine's commit/getevents in meaning.
using System.Collections.Concurrent;
using System.Diagnostics;
using PinIo.Devices;

namespace PinIo.Cli.Runner;

/// <summary>
/// How completed I/O gets back to the job thread. A completion is stamped on the thread that
/// ends the I/O and handed over through a concurrent queue and a semaphore, so latency is
/// measured where the I/O ended and the statistics are kept by the job thread alone. On a
/// polled ring the job thread owns the ring: prepared I/Os are committed with an
/// io_uring_enter of their own and reaped with another, and the completions end inline, in it,
/// through a plain queue.
/// </summary>
internal sealed class Completions : IDisposable
{
    private readonly ConcurrentQueue<IoSlot> _elsewhere = new();
    private readonly SemaphoreSlim _signals = new(0);
    private readonly IoSlotQueue _onJobThread;
    private readonly IoSlot[] _uncommitted;
    private readonly FileDevice? _polled;
    private readonly IoClock _clock;
    private readonly Action<IoSlot> _reaped;
    private readonly Action<IoSlot> _committed;
    private readonly int _maxPerReap;
    private readonly bool _readyFirst;
    private int _uncommittedCount;
    private long _pollStamp;
    private int _jobThreadId;

    /// <summary>
    /// Completions of up to <paramref name="slots"/> I/Os. <paramref name="reaped"/> takes each
    /// reaped slot on the job thread; <paramref name="committed"/> each polled one once its
    /// submission is stamped; a reap takes at most <paramref name="maxPerReap"/>
    /// (iodepth_batch_complete_max) unless it must wait for more. With
    /// <paramref name="readyFirst"/>, a polled reap that finds completions already ended takes
    /// them without waiting for its least (<see cref="WaitsFor"/>).
    /// </summary>
    public Completions(int slots, FileDevice? polled, IoClock clock, Action<IoSlot> reaped, Action<IoSlot> committed, int maxPerReap = int.MaxValue, bool readyFirst = false)
    {
        _maxPerReap = maxPerReap;
        _readyFirst = readyFirst;
        _onJobThread = new IoSlotQueue(slots);
        _uncommitted = new IoSlot[slots];
        _polled = polled;
        _clock = clock;
        _reaped = reaped;
        _committed = committed;
    }

    /// <summary>Whether the job's thread drives a polled ring: an I/O is only queued until <see cref="Commit"/>.</summary>
    public bool Polled => _polled is not null;

    /// <summary>I/Os prepared on a polled ring and not yet committed.</summary>
    public int Uncommitted => _uncommittedCount;

    /// <summary>The calling thread is the job's: completions that end on it take the plain queue.</summary>
    public void BindToCurrentThread() => _jobThreadId = Environment.CurrentManagedThreadId;

    /// <summary>A polled I/O prepared and waiting for the next <see cref="Commit"/>.</summary>
    public void Prepared(IoSlot slot) => _uncommitted[_uncommittedCount++] = slot;

    /// <summary>
    /// Waits for at least <paramref name="min"/> completions (no more than the
    /// <paramref name="inFlight"/>; 0 takes what has ended without waiting), then takes others
    /// already there up to the most a reap takes (fio's td_io_getevents with min and max: max
    /// no more than what is in flight, no less than min, and at least one). What is left waits
    /// for the next reap, in flight until then: on a polled ring in the CQ itself, as in fio's
    /// (the engine's poll takes no more than that). Returns how many were reaped.
    /// </summary>
    public int Reap(int min, int inFlight)
    {
        Commit();
        min = Math.Min(min, inFlight);
        if (_readyFirst && min > 1 && _polled is not null)
        {
            min = WaitsFor(min, _onJobThread.Count + _polled.CompletionsReady);
        }
        int max = Math.Max(Math.Max(min, 1), Math.Min(_maxPerReap, inFlight));
        int carried = _onJobThread.Count;
        if (_polled is not null)
        {
            // The job's thread owns the ring: what was prepared is committed above, and here
            // one io_uring_enter waits; the completions end inline, in it — but one an engine
            // ends on another thread is signaled instead, and polling for it would spin forever.
            if (min == 0 && carried == 0)
            {
                Poll(0, max);
            }
            while (_onJobThread.Count + _signals.CurrentCount < min)
            {
                Poll(min - _onJobThread.Count - _signals.CurrentCount, max - _onJobThread.Count);
            }
        }
        int reaped = 0;
        if (carried > 0)
        {
            // Left by an earlier reap that took its most: a completion event fio leaves in its
            // ring is stamped by the reap that takes it, so these end now.
            long now = _clock.Reduced ? 0 : _clock.Now();
            for (; reaped < carried && reaped < max && _onJobThread.TryDequeue(out IoSlot? slot); reaped++)
            {
                if (now != 0)
                {
                    slot.CompletedAt = now;
                }
                _reaped(slot);
            }
        }
        while (reaped < max && _onJobThread.TryDequeue(out IoSlot? slot))
        {
            _reaped(slot);
            reaped++;
        }
        for (; reaped < min; reaped++)
        {
            _signals.Wait();
            TakeElsewhere();
        }
        while (reaped < max && _signals.CurrentCount > 0 && _signals.Wait(0))
        {
            TakeElsewhere();
            reaped++;
        }
        return reaped;
    }

    /// <summary>
    /// The completions a ready-first reap waits for: none more than one when
    /// <paramref name="ready"/> have ended already (it takes those, up to its most), else
    /// <paramref name="min"/>. A wait is a sleep and a wake-up: worth it for a batch, not for the
    /// rest of one.
    /// </summary>
    internal static int WaitsFor(int min, int ready) => ready > 0 ? Math.Min(min, 1) : min;

    /// <summary>
    /// Polled ring: submits the prepared I/Os with an io_uring_enter of their own, which reaps
    /// nothing, and stamps them submitted once it returns, as fio's commit does — so slat
    /// covers the submitting syscall, clat runs until the reap that sees the completion, and
    /// a slot stays in flight until then, in fio's meaning.
    /// </summary>
    /// <returns>The time the I/Os were stamped submitted, or 0 when none was prepared.</returns>
    public long Commit()
    {
        if (_uncommittedCount == 0)
        {
            return 0;
        }
        _polled!.Commit();
        _pollStamp = 0; // a request the engine failed while submitting ended here, stamped alone
        long now = _clock.Now();
        for (int i = 0; i < _uncommittedCount; i++)
        {
            IoSlot slot = _uncommitted[i];
            // One that already ended (inside this enter) was submitted no later than it ended.
            slot.SubmittedAt = slot.CompletedAt != 0 ? Math.Min(now, slot.CompletedAt) : now;
            _committed(slot);
            _uncommitted[i] = null!;
        }
        _uncommittedCount = 0;
        return now;
    }

    /// <summary>Waits for an operation outside the slots (a layout write, a flush), reaping the polled ring meanwhile; throws what it failed with.</summary>
    public void Wait(ValueTask operation)
    {
        while (_polled is not null && !operation.IsCompleted)
        {
            Poll(1);
        }
        operation.AsTask().GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="Wait(ValueTask)"/>
    public T Wait<T>(ValueTask<T> operation)
    {
        while (_polled is not null && !operation.IsCompleted)
        {
            Poll(1);
        }
        return operation.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// Runs on the thread that ends the I/O: stamps the time and hands the slot to the job
    /// thread — through a plain queue when that is this thread (a polled ring ends I/O inside
    /// the job's own io_uring_enter), else through a concurrent queue and a semaphore.
    /// </summary>
    public void OnIoCompleted(IoSlot slot)
    {
        if (CurrentThread.Id == _jobThreadId)
        {
            // Inside Poll: the batch's completions share one time, taken at the first.
            if (_pollStamp == 0)
            {
                _pollStamp = _clock.Now();
            }
            slot.CompletedAt = _pollStamp;
            _onJobThread.Enqueue(slot);
            return;
        }
        slot.CompletedAt = _clock.Stamp(slot);
        _elsewhere.Enqueue(slot);
        _signals.Release();
    }

    public void Dispose() => _signals.Dispose();

    /// <summary>
    /// Reaps the polled ring. The completions it ends are stamped with one time, taken when
    /// the first of them is handled — fio stamps a reaped batch once, before handling it.
    /// </summary>
    private void Poll(int minComplete, int maxComplete = int.MaxValue)
    {
        _pollStamp = 0;
        _polled!.Poll(minComplete, Math.Max(maxComplete, 1));
        _pollStamp = 0;
    }

    private void TakeElsewhere()
    {
        if (!_elsewhere.TryDequeue(out IoSlot? slot))
        {
            throw new InvalidOperationException("a completion was signaled but none was queued");
        }
        _reaped(slot);
    }
}
