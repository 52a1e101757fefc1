// Follows fs/aio.c (io_submit, aio_complete, io_getevents) as seen from user space, after fio's engines/libaio.c.
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PinIo.Block;
using PinIo.Linux;

namespace PinIo.Devices;

/// <summary>
/// Linux native AIO for a <see cref="FileDevice"/> (fio's and LTP's libaio), over the raw
/// syscalls: no libaio.so. One thread owns the context, as the io_uring engine's thread owns
/// its ring: it turns bios into iocbs (PREAD/PWRITE for one range of memory, PREADV/PWRITEV
/// for several, FDSYNC for a flush), submits each batch with one io_submit, waits in
/// io_getevents and ends the bios. Other threads hand bios over through a queue and wake the
/// owner through an eventfd that an IOCB_CMD_POLL in flight watches — only when the owner
/// may be asleep. Bios submitted from the owner's thread (continuations run inline) join the
/// batch directly.
/// <para>
/// AIO has no registered buffers: the kernel pins the pages of every request for its life
/// (FOLL_PIN), pool memory included. Short completions are resubmitted for the rest, -EAGAIN
/// and -EINTR are retried, and a read that meets the end of the file zero-fills the rest. A
/// request io_submit refuses (EBADF, EINVAL, EFAULT) ends its bio with that errno; one
/// refused for lack of room waits for a completion and goes again.
/// </para>
/// </summary>
internal sealed unsafe partial class LibaioEngine : IFileEngine
{
    private const ulong WakeTag = ulong.MaxValue;
    private const int EventBatch = 64;
    private const int MaxSegmentsPerSlot = 1024;

    private readonly FileDevice _device;
    private readonly ConcurrentQueue<Bio> _incoming = new();
    private readonly Queue<Bio> _waiting = new();
    private readonly Queue<(int Slot, int Error)> _refused = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _submitBatch;
    private AioContext? _context;
    private FileDescriptor? _wakeFd;
    private int _fd;
    private Slot[] _slots = [];
    private int[] _freeSlots = [];
    private int _freeCount;
    private AioIocb* _iocbs;   // one per slot, then the wake poll's
    private AioIocb** _batch;  // prepared, not yet submitted
    private int _batchCount;
    private IoVec* _iovecs;
    private int _segmentsPerSlot;
    private int _inFlight;     // slots prepared or submitted, not yet ended
    private int _sleeping;
    private int _threadId;
    private volatile bool _stopping;
    private long _staleCompletions;

    /// <summary>A request of the context: one bio, and how much of it is done.</summary>
    private struct Slot
    {
        public Bio? Bio;
        public uint Generation;
        public int Done;
    }

    /// <summary>
    /// Sets the context up and starts its thread; throws <see cref="DirectIoException"/> where
    /// native AIO is unavailable (the engine was asked for by name: there is no fallback).
    /// </summary>
    public LibaioEngine(FileDevice device, FileDeviceOptions options)
    {
        _device = device;
        _submitBatch = options.SubmitBatch;
        try
        {
            Setup(options.QueueDepth);
        }
        catch
        {
            FreeContext();
            _wakeFd?.Dispose();
            throw;
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "pinio-libaio" };
        _thread.Start();
    }

    public bool UsesFixedBuffers => false;

    /// <summary>Bios taken and not yet ended: in flight on the context, waiting for a slot, or still queued for the thread.</summary>
    public int Pending => Volatile.Read(ref _inFlight) + _waiting.Count + _incoming.Count;

    public bool IsEngineThread => Volatile.Read(ref _threadId) == Environment.CurrentManagedThreadId;

    /// <summary>Events whose slot had moved on (a generation mismatch): detected and dropped, never delivered.</summary>
    public long StaleCompletions => Interlocked.Read(ref _staleCompletions);

    /// <summary>The owner thread ends what is in flight whoever disposes: any other thread may wait for it.</summary>
    public void CheckDisposeThread()
    {
    }

    public void Submit(Bio bio)
    {
        if (IsEngineThread)
        {
            PrepOrWait(bio);
            return;
        }
        _incoming.Enqueue(bio);
        WakeOwner();
    }

    /// <summary>Waits for every request in flight, then destroys the context (on its own thread).</summary>
    public void Dispose()
    {
        if (IsEngineThread)
        {
            // FileDevice refuses this before it gets here: the thread cannot wait for itself.
            ThrowHelper.ThrowMisuse("The libaio engine cannot be disposed on its own completion thread: dispose it from another thread.");
        }
        _stopping = true;
        WakeOwner(force: true);
        _thread.Join();
        // Closed here, not by the thread: it may stop on seeing _stopping before this wake-up is written.
        _wakeFd!.Dispose();
    }

    /// <summary>
    /// As <see cref="Dispose"/>, awaiting the thread instead of joining it: it ends what is in
    /// flight, destroys the context and signals. From the engine's own thread too (a continuation
    /// run inline): the loop sees the stop once that continuation returns.
    /// </summary>
    public ValueTask StopAsync()
    {
        _stopping = true;
        WakeOwner(force: true);
        return EngineStop.After(_exited.Task, _wakeFd);
    }

    private void WakeOwner(bool force = false)
    {
        // Pairs with the owner's store of _sleeping and full fence before its last look at
        // the queue: either it sees our bio, or we see it may sleep and write the eventfd.
        Interlocked.MemoryBarrier();
        if (force || (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1))
        {
            Interop.EventFdWrite(_wakeFd!, 1);
        }
    }

    private void Run()
    {
        CompletionContext.MarkCurrentThread();
        Volatile.Write(ref _threadId, Environment.CurrentManagedThreadId);
        try
        {
            Loop();
        }
        catch (Exception e)
        {
            // A context that cannot be waited on any more would strand every request in
            // flight and the memory under it: stop the process rather than fail silently.
            Environment.FailFast("PinIo libaio engine failed", e);
        }
        finally
        {
            Volatile.Write(ref _threadId, 0);
            FreeContext();
            _exited.TrySetResult();
        }
    }

    [SkipLocalsInit] // the event batch is written before it is read
    private void Loop()
    {
        Span<AioEvent> events = stackalloc AioEvent[EventBatch];
        int reaped = 0;
        while (true)
        {
            DrainIncoming();
            SubmitBatch();
            if (_stopping && _inFlight == 0 && _waiting.Count == 0 && _incoming.IsEmpty)
            {
                return;
            }
            Volatile.Write(ref _sleeping, 1);
            Interlocked.MemoryBarrier();
            // Wait only when nothing new can go out (the queue is empty, every slot is in flight,
            // or the context had no room) and the last reap did not fill the batch (more
            // events may be ready).
            int wait = (_incoming.IsEmpty || _freeCount == 0) && reaped < events.Length ? 1 : 0;
            reaped = _context!.GetEvents(wait, events);
            Volatile.Write(ref _sleeping, 0);
            if (reaped == -(int)Errno.EINTR)
            {
                reaped = 0;
                continue;
            }
            if (reaped < 0)
            {
                throw new DirectIoException((Errno)(-reaped), "io_getevents failed on the device's AIO context");
            }
            Reap(events[..reaped]);
        }
    }

    /// <summary>
    /// Ends every reaped bio. A continuation run inline may queue a new request; once
    /// <see cref="FileDeviceOptions.SubmitBatch"/> of them wait while events remain to be
    /// handled, they go out at once, so the device is not left idle behind a long reap.
    /// </summary>
    private void Reap(ReadOnlySpan<AioEvent> events)
    {
        for (int i = 0; i < events.Length; i++)
        {
            if (events[i].Data == WakeTag)
            {
                Rearm();
            }
            else
            {
                Handle(events[i]);
            }
            if (i < events.Length - 1 && _batchCount >= _submitBatch)
            {
                SubmitBatch();
            }
        }
    }

    /// <summary>The poll fired: empty the eventfd, then watch it again (a write after the read fires the new poll at once).</summary>
    private void Rearm()
    {
        Interop.EventFdRead(_wakeFd!);
        if (!_stopping)
        {
            ArmWake();
        }
    }

    private void DrainIncoming()
    {
        DrainWaiting();
        while (_freeCount > 0 && _incoming.TryDequeue(out Bio? bio))
        {
            PrepOrWait(bio);
        }
    }

    private void PrepOrWait(Bio bio)
    {
        if (_waiting.Count > 0 || !TryStart(bio))
        {
            _waiting.Enqueue(bio);
        }
    }

    private void DrainWaiting()
    {
        while (_waiting.TryPeek(out Bio? bio) && TryStart(bio))
        {
            _waiting.Dequeue();
        }
    }
}
