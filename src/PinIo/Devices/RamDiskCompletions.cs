// Follows block/blk-mq.c (blk_mq_complete_request: a request ended in another context than its submitter's) in meaning.
using System.Collections.Concurrent;
using PinIo.Block;

namespace PinIo.Devices;

/// <summary>
/// The thread on which a <see cref="RamDisk"/> with <see cref="RamDiskCompletion.Worker"/>
/// serves and ends its bios, as a device's interrupt ends them beside the submitter. One per
/// disk, started with its first bio and stopped when the disk is disposed: the disk's
/// completions never wait for the thread pool, which other work may have left short of
/// threads, and their order is the order of submission. Bios wait in a queue whose segments
/// are reused, so that steady submission allocates nothing; the thread sleeps only when the
/// queue stays empty, and a submitter wakes it only then. A bio's end may run the submitter's
/// continuation on this thread (DirectIoFlags.InlineCompletion), which must not block.
/// </summary>
internal sealed class RamDiskCompletions : IDisposable
{
    /// <summary>Spins, then sleeps: a burst of bios is served without a wake-up per bio.</summary>
    private const int SpinsBeforeSleep = 20;

    private readonly ConcurrentQueue<Bio> _queue = new();
    private readonly ManualResetEventSlim _wake = new(initialState: false, spinCount: 1);
    private readonly Action<Bio> _serve;
    private readonly Thread _thread;
    private int _sleeping;
    private volatile bool _stopping;

    private RamDiskCompletions(Action<Bio> serve)
    {
        _serve = serve;
        _thread = new Thread(Run) { IsBackground = true, Name = "pinio ramdisk completions" };
    }

    /// <summary>Starts the thread that calls <paramref name="serve"/> for every bio posted.</summary>
    public static RamDiskCompletions Start(Action<Bio> serve)
    {
        var completions = new RamDiskCompletions(serve);
        completions._thread.Start();
        return completions;
    }

    /// <summary>Whether the caller is this disk's completion thread.</summary>
    public bool IsCurrentThread => Thread.CurrentThread == _thread;

    /// <summary>Queues <paramref name="bio"/> to be served on the thread; wakes it if it sleeps.</summary>
    public void Post(Bio bio)
    {
        _queue.Enqueue(bio);
        // A full fence after the enqueue: the thread, which sets _sleeping before it looks at
        // the queue a last time, either sees the bio or is woken here.
        if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1)
        {
            _wake.Set();
        }
    }

    /// <summary>
    /// Stops the thread once it has served what is queued; waits for it unless called on it
    /// (a bio's end that disposes its disk), where it ends when that bio's end returns.
    /// </summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
            _wake.Dispose();
        }
    }

    private void Run()
    {
        CompletionContext.MarkCurrentThread();
        while (true)
        {
            DrainQueue();
            if (_stopping)
            {
                DrainQueue();
                return;
            }
            if (SpinForWork())
            {
                continue;
            }
            _wake.Reset();
            Interlocked.Exchange(ref _sleeping, 1);
            if (!_queue.IsEmpty || _stopping)
            {
                Volatile.Write(ref _sleeping, 0);
                continue;
            }
            _wake.Wait();
            Volatile.Write(ref _sleeping, 0);
        }
    }

    private void DrainQueue()
    {
        while (_queue.TryDequeue(out Bio? bio))
        {
            _serve(bio);
        }
    }

    private bool SpinForWork()
    {
        SpinWait spin = default;
        for (int i = 0; i < SpinsBeforeSleep; i++)
        {
            if (!_queue.IsEmpty || _stopping)
            {
                return true;
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return false;
    }
}
