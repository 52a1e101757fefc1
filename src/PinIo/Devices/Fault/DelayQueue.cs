// Follows drivers/md/dm-delay.c (delayed bios queued with their expiry; a worker sends them on when due).
using System.Diagnostics;
using PinIo.Block;

namespace PinIo.Devices;

/// <summary>
/// dm-delay: each bio waits its direction's delay on a queue, and one worker thread passes it
/// on when due, so the submitter never blocks. Every direction has one delay, so each queue is
/// in order of expiry; the worker serves the earliest head. Disposed, it passes on at once
/// whatever is still waiting, and whatever comes later.
/// </summary>
internal sealed class DelayQueue : IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<(long Due, FaultIo Io)>[] _queues = [new(), new(), new()];
    private readonly DelayOptions _options;
    private readonly Action<FaultIo> _dispatch;
    private readonly Thread _worker;
    private bool _stopping;

    public DelayQueue(DelayOptions options, Action<FaultIo> dispatch)
    {
        _options = options;
        _dispatch = dispatch;
        _worker = new Thread(Run) { IsBackground = true, Name = "FaultDevice delay" };
        _worker.Start();
    }

    /// <summary>Whether bios of <paramref name="op"/> wait at all.</summary>
    public bool Delays(BioOp op) => _options.For(op) > TimeSpan.Zero;

    public void Enqueue(FaultIo io)
    {
        BioOp op = io.Bio!.Op;
        long due = Stopwatch.GetTimestamp() + (long)(_options.For(op).TotalSeconds * Stopwatch.Frequency);
        lock (_gate)
        {
            if (!_stopping)
            {
                _queues[(int)op].Enqueue((due, io));
                Monitor.Pulse(_gate);
                return;
            }
        }
        _dispatch(io);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.Pulse(_gate);
        }
        if (Thread.CurrentThread != _worker)
        {
            _worker.Join();
        }
    }

    private void Run()
    {
        while (TakeDue() is FaultIo io)
        {
            _dispatch(io);
        }
    }

    /// <summary>The next bio whose time has come, waiting for it; null once stopped and empty.</summary>
    private FaultIo? TakeDue()
    {
        lock (_gate)
        {
            while (true)
            {
                int earliest = EarliestQueue();
                if (earliest < 0)
                {
                    if (_stopping)
                    {
                        return null;
                    }
                    Monitor.Wait(_gate);
                    continue;
                }
                long wait = _queues[earliest].Peek().Due - Stopwatch.GetTimestamp();
                if (wait > 0 && !_stopping)
                {
                    Monitor.Wait(_gate, TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency) + TimeSpan.FromTicks(1));
                    continue;
                }
                return _queues[earliest].Dequeue().Io;
            }
        }
    }

    private int EarliestQueue()
    {
        int earliest = -1;
        for (int i = 0; i < _queues.Length; i++)
        {
            if (_queues[i].Count > 0 && (earliest < 0 || _queues[i].Peek().Due < _queues[earliest].Peek().Due))
            {
                earliest = i;
            }
        }
        return earliest;
    }
}
