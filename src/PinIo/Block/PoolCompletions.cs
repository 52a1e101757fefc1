// Follows block/blk-mq.c (blk_mq_complete_request_remote / blk_complete_reqs: completions put on a list, run together in one softirq).
using System.Collections.Concurrent;
using System.Diagnostics;

namespace PinIo.Block;

/// <summary>
/// Where a completion thread hands the requests whose callers' continuations run on the thread
/// pool (PinIo's default, without <see cref="Fs.DirectIoFlags.InlineCompletion"/>): a queue,
/// drained by one thread-pool work item, which runs many continuations in a row under a
/// <see cref="BlkPlug"/>, so that the requests they submit reach a ring's thread with one
/// wake-up. A work item per completion woke a pool worker per I/O, and each continuation's
/// request woke the ring's thread again (bench/README.md: 0.60-0.72x fio's IOPS from a
/// caller's async loop at depth 32).
/// <para>
/// More work items join only when they are needed, not at every batch (the runtime's socket
/// engine asks for a second one as each starts, a wake-up per batch that cost 10-15% here):
/// </para>
/// <list type="bullet">
/// <item>Parallelism: a work item that has run for <see cref="HelperAfterMicroseconds"/> and
/// still finds completions queued asks for another, so slow continuations spread over the
/// pool's threads.</item>
/// <item>Liveness: a continuation that blocks (on a request whose completion is queued behind
/// it, say) would hold the rest. A watchdog timer, on while completions flow, sees a queue
/// that made no progress for a whole <see cref="WatchdogPeriodMs"/> and asks for another
/// work item, which takes them.</item>
/// <item>Fairness: a work item gives its thread back after <see cref="TimeSliceMs"/>, so a
/// steady stream of completions does not starve other work on the pool.</item>
/// </list>
/// </summary>
internal sealed class PoolCompletions : IThreadPoolWorkItem, IDisposable
{
    /// <summary>How long one work item runs continuations before it yields its pool thread (the runtime's socket engine: 15 ms).</summary>
    internal const int TimeSliceMs = 15;

    /// <summary>How long a work item runs before completions still queued ask for another work item beside it.</summary>
    internal const int HelperAfterMicroseconds = 100;

    /// <summary>How long a queue may go without a continuation ending before the watchdog asks for another work item.</summary>
    internal const int WatchdogPeriodMs = 10;

    private static readonly long s_helperAfterTicks = Stopwatch.Frequency * HelperAfterMicroseconds / 1_000_000;
    private static readonly long s_timeSliceTicks = Stopwatch.Frequency * TimeSliceMs / 1000;
    private static readonly PoolCompletions s_shared = new(static work => ThreadPool.UnsafeQueueUserWorkItem(work, preferLocal: false));

    private readonly ConcurrentQueue<IThreadPoolWorkItem> _queue = new();
    private readonly Timer _watchdog;
    private readonly Action<IThreadPoolWorkItem> _queueWorkItem;
    private readonly Lock _watchdogLock = new();
    private int _processingRequested;
    private int _watchdogOn;      // whether the timer ticks: read without the lock by every completion, changed under it
    private int _progress;       // continuations ended, as the watchdog compares it between ticks
    private int _progressSeen;

    /// <summary>A queue whose work items <paramref name="queueWorkItem"/> hands to a thread (the shared one's: the thread pool; a test's: its own threads).</summary>
    internal PoolCompletions(Action<IThreadPoolWorkItem> queueWorkItem)
    {
        _queueWorkItem = queueWorkItem;
        using (ExecutionContext.SuppressFlow())
        {
            _watchdog = new Timer(static state => ((PoolCompletions)state!).OnWatchdog(), this, Timeout.Infinite, Timeout.Infinite);
        }
    }

    /// <summary>
    /// Queues <paramref name="completion"/> (a request whose Execute signals its caller) to run on
    /// the thread pool. Allocates nothing in steady state. Called on a completion thread.
    /// </summary>
    public static void Queue(IThreadPoolWorkItem completion) => s_shared.Enqueue(completion);

    /// <summary>Whether the watchdog is on (completions flowed since it last found the queue idle), for tests.</summary>
    internal bool WatchdogOn => Volatile.Read(ref _watchdogOn) == 1;

    /// <summary>Stops the watchdog (the shared queue lives as long as the process; a test's does not).</summary>
    public void Dispose() => _watchdog.Dispose();

    /// <inheritdoc cref="Queue"/>
    internal void Enqueue(IThreadPoolWorkItem completion)
    {
        _queue.Enqueue(completion);
        ScheduleProcessing();
        if (Volatile.Read(ref _watchdogOn) == 0)
        {
            StartWatchdog();
        }
    }

    private void ScheduleProcessing()
    {
        // One work item asked for at a time: it clears the flag as it starts, and the next
        // completion, a helper's or the watchdog's request, asks for the next.
        if (Volatile.Read(ref _processingRequested) == 0 && Interlocked.CompareExchange(ref _processingRequested, 1, 0) == 0)
        {
            _queueWorkItem(this);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        // Cleared before the first look at the queue: a completion queued after that look
        // sees the flag clear and asks for a work item of its own.
        Interlocked.Exchange(ref _processingRequested, 0);
        if (!_queue.TryDequeue(out IThreadPoolWorkItem? completion))
        {
            return;
        }
        bool timeUp;
        BlkPlug.Start();
        try
        {
            timeUp = RunWhileQueued(completion);
        }
        finally
        {
            BlkPlug.Finish();
        }
        if (timeUp)
        {
            ScheduleProcessing();
        }
    }

    /// <summary>Runs <paramref name="completion"/> and then every queued one, for at most a time slice. True when the time ran out first.</summary>
    private bool RunWhileQueued(IThreadPoolWorkItem completion)
    {
        long started = Stopwatch.GetTimestamp();
        while (true)
        {
            completion.Execute();
            Volatile.Write(ref _progress, _progress + 1);
            long ran = Stopwatch.GetTimestamp() - started;
            if (ran >= s_helperAfterTicks)
            {
                if (ran >= s_timeSliceTicks)
                {
                    return true;
                }
                if (!_queue.IsEmpty)
                {
                    ScheduleProcessing();
                }
            }
            if (!_queue.TryDequeue(out IThreadPoolWorkItem? next))
            {
                return false;
            }
            completion = next;
        }
    }

    private void StartWatchdog()
    {
        lock (_watchdogLock)
        {
            if (_watchdogOn == 0)
            {
                _progressSeen = Volatile.Read(ref _progress);
                _watchdog.Change(WatchdogPeriodMs, WatchdogPeriodMs);
                Volatile.Write(ref _watchdogOn, 1);
            }
        }
    }

    private void OnWatchdog()
    {
        int progress = Volatile.Read(ref _progress);
        bool stalled = progress == _progressSeen;
        _progressSeen = progress;
        if (!stalled)
        {
            return;
        }
        if (!_queue.IsEmpty)
        {
            // Queued completions and none ended for a whole period: a continuation blocks.
            ScheduleProcessing();
            return;
        }
        StopWatchdogIfIdle();
    }

    /// <summary>
    /// Turns the watchdog off until the next completion. The flag goes down before the last look
    /// at the queue, and a completion is queued before its look at the flag: either this sees
    /// the completion, or the completion sees the flag down and turns the watchdog back on.
    /// </summary>
    private void StopWatchdogIfIdle()
    {
        lock (_watchdogLock)
        {
            Volatile.Write(ref _watchdogOn, 0);
            Interlocked.MemoryBarrier();
            if (!_queue.IsEmpty)
            {
                Volatile.Write(ref _watchdogOn, 1);
                return;
            }
            _watchdog.Change(Timeout.Infinite, Timeout.Infinite);
        }
    }
}
