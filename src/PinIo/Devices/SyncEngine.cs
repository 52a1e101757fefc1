// Follows block/fops.c (__blkdev_direct_IO_simple: one synchronous transfer per request).
using System.Collections.Concurrent;
using PinIo.Block;
using PinIo.Linux;

namespace PinIo.Devices;

/// <summary>
/// preadv2/pwritev2 of a bio's vecs, from a few worker threads so that several bios are in
/// flight. The kernel pins the user pages of every request for its duration (FOLL_PIN).
/// Short transfers continue where they stopped; a read that meets the end of the file
/// zero-fills the rest.
/// </summary>
internal sealed unsafe class SyncEngine : IFileEngine
{
    private readonly FileDevice _device;
    private readonly ConcurrentQueue<Bio> _queue = new();
    private readonly SemaphoreSlim _ready = new(0);
    private readonly Thread[] _workers;
    // Linux's UIO_FASTIOV is 8; a few more keep most bios off the heap.
    private const int InlineStackVecs = 64;
    private volatile bool _stopping;
    private int _pending;
    private int _liveWorkers;
    private readonly TaskCompletionSource _workersExited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [ThreadStatic]
    private static SyncEngine? t_workerOf;

    // The I/O priority this engine last gave the thread (ioprio_set), so an unchanged one costs no call.
    [ThreadStatic]
    private static ushort t_ioPriority;

    /// <summary>With no workers every bio runs inside <see cref="Submit"/>, on the caller's thread (fio's psync).</summary>
    public SyncEngine(FileDevice device, int workers)
    {
        _device = device;

        _workers = new Thread[workers];
        _liveWorkers = workers;
        for (int i = 0; i < workers; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"pinio-sync-{i}" };
            _workers[i].Start();
        }
    }

    public bool UsesFixedBuffers => false;

    public int Pending => Volatile.Read(ref _pending);

    public bool IsEngineThread => t_workerOf == this;

    /// <summary>Workers end what is queued whoever disposes: any thread but a worker may wait for them.</summary>
    public void CheckDisposeThread()
    {
    }

    public void Submit(Bio bio)
    {
        Interlocked.Increment(ref _pending);
        if (_workers.Length == 0)
        {
            SubmitInline(bio);
            return;
        }
        _queue.Enqueue(bio);
        _ready.Release();
    }

    /// <summary>Every bio queued before disposal is done before the workers stop.</summary>
    public void Dispose()
    {
        _stopping = true;
        if (_workers.Length > 0)
        {
            _ready.Release(_workers.Length);
        }
        foreach (Thread worker in _workers)
        {
            worker.Join();
        }
        _ready.Dispose();
    }

    /// <summary>Callers run in parallel (several jobs on one file): iovecs on the caller's stack, or for many vecs, a native array of their own.</summary>
    private void SubmitInline(Bio bio)
    {
        int result;
        if (bio.VecCount <= InlineStackVecs)
        {
            IoVec* iov = stackalloc IoVec[InlineStackVecs];
            result = Execute(bio, iov);
        }
        else
        {
            IoVec* iov = (IoVec*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)bio.VecCount, (nuint)sizeof(IoVec));
            try
            {
                result = Execute(bio, iov);
            }
            finally
            {
                System.Runtime.InteropServices.NativeMemory.Free(iov);
            }
        }
        Complete(bio, result);
    }

    /// <summary>Ends the bio (its pages released in its EndIo), then stops counting it.</summary>
    private void Complete(Bio bio, int result)
    {
        BioTransfer.Complete(_device, bio, result);
        Interlocked.Decrement(ref _pending);
    }

    /// <summary>As <see cref="Dispose"/>, completing when the last worker has ended what was queued and stopped: no thread waits meanwhile.</summary>
    public ValueTask StopAsync()
    {
        _stopping = true;
        if (_workers.Length > 0)
        {
            _ready.Release(_workers.Length);
        }
        return EngineStop.After(_workers.Length > 0 ? _workersExited.Task : Task.CompletedTask, _ready);
    }

    private void Work()
    {
        CompletionContext.MarkCurrentThread();
        try
        {
            WorkUntilStopped();
        }
        finally
        {
            if (Interlocked.Decrement(ref _liveWorkers) == 0)
            {
                _workersExited.TrySetResult();
            }
        }
    }

    private void WorkUntilStopped()
    {
        t_workerOf = this;
        int maxSegments = _device.Limits.MaxSegments;
        IoVec* iov = (IoVec*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)maxSegments, (nuint)sizeof(IoVec));
        try
        {
            while (true)
            {
                _ready.Wait();
                if (_queue.TryDequeue(out Bio? bio))
                {
                    Complete(bio, Execute(bio, iov));
                }
                else if (_stopping)
                {
                    return;
                }
            }
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(iov);
        }
    }

    /// <summary>
    /// A synchronous call has no per-request priority: the kernel gives a preadv2 the calling
    /// thread's, so the thread takes the bio's with ioprio_set first (as fio's sync engines set
    /// the job thread's), only when it differs from the last one set on this thread. The thread
    /// keeps it afterwards, a worker's or an inline caller's. Returns 0 or -errno.
    /// </summary>
    private static int SetThreadPriority(IoPriority priority)
    {
        if (priority.Value == t_ioPriority)
        {
            return 0;
        }
        int res = Interop.IoprioSetThread(priority.Value);
        if (res == 0)
        {
            t_ioPriority = priority.Value;
        }
        return res;
    }

    /// <summary>Returns 0 or a negative errno.</summary>
    private int Execute(Bio bio, IoVec* iov)
    {
        FileDescriptor fd = _device.Descriptor;
        if (bio.Op == BioOp.Flush)
        {
            return Math.Min(0, Interop.Fdatasync(fd));
        }
        if (bio.Op == BioOp.Discard)
        {
            return FileDiscard.Run(_device, bio);
        }
        int prio = SetThreadPriority(bio.Priority);
        if (prio < 0)
        {
            return prio;
        }
        int done = 0;
        while (done < bio.Size)
        {
            int count = BioTransfer.FillIoVecs(bio.VecSpan, done, iov);
            var vecs = new ReadOnlySpan<IoVec>(iov, count);
            int res = bio.Op == BioOp.Read
                ? Interop.Preadv2(fd, vecs, bio.Position + done, 0)
                : Interop.Pwritev2(fd, vecs, bio.Position + done, 0);
            if (res == -(int)Errno.EINTR || res == -(int)Errno.EAGAIN)
            {
                continue;
            }
            if (res < 0)
            {
                return res;
            }
            if (res == 0)
            {
                if (bio.Op == BioOp.Write)
                {
                    return -(int)Errno.EIO;
                }
                BioTransfer.ZeroFrom(bio, done);
                return 0;
            }
            done += res;
        }
        return 0;
    }
}
