// Follows io_uring/rw.c and liburing's queue.c: one ring per device, owned by one thread.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PinIo.Block;
using PinIo.Linux;

namespace PinIo.Devices;

/// <summary>
/// io_uring for a <see cref="FileDevice"/>, written over the raw syscalls. One thread owns the
/// ring (IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN): it prepares every SQE, submits a whole
/// batch and waits for completions in one io_uring_enter, and ends the bios. Other threads
/// hand bios over through a queue and wake the owner through an eventfd whose read is always
/// in flight on the ring — only when the owner may be asleep. Bios submitted from the owner's
/// own thread (continuations run inline on completion) go straight into the ring.
/// <para>
/// The file is registered, and so is the device's <see cref="FileDevice.BufferPool"/>: a bio
/// of one vec in that pool goes out as READ_FIXED/WRITE_FIXED, with no per-request kernel pin.
/// Other bios go out as READ/READV. Short completions are resubmitted for the rest; -EAGAIN
/// and -EINTR are retried; at most one request per slot, slots no more than SQ entries, and a
/// CQ twice the SQ, so the completion queue cannot overflow.
/// </para>
/// <para>
/// Two kernel polling modes, as fio's sqthread_poll and hipri. SubmissionPolling
/// (IORING_SETUP_SQPOLL): a kernel thread takes SQEs as they are published, so the owner enters
/// only to wake it or to wait; DEFER_TASKRUN cannot go with it, so the ring is SINGLE_ISSUER
/// alone. CompletionPolling (IORING_SETUP_IOPOLL): completions are found by polling the
/// device's queue inside io_uring_enter, which only <see cref="Poll"/> calls, so it comes only
/// with PolledCompletions; a flush becomes fdatasync on the polling thread (an IOPOLL ring
/// refuses IORING_OP_FSYNC), and a device that cannot be polled fails the requests that reach
/// it with EOPNOTSUPP and a message that says so.
/// </para>
/// </summary>
internal sealed unsafe partial class IoUringEngine : IFileEngine, IPluggedQueue
{
    private const ulong WakeTag = ulong.MaxValue;
    private const int MaxEntries = 4096;
    private const int MaxSegmentsPerSlot = 1024;

    // What EOPNOTSUPP means on an IOPOLL ring: the request reached a file or queue that cannot poll.
    private const string PolledIoUnsupported = "the device does not support polled I/O (hipri / CompletionPolling): turn it off. " +
        "IORING_SETUP_IOPOLL needs a block device with poll queues (NVMe with nvme.poll_queues, null_blk with poll_queues), " +
        "directly or under the file system";

    // What EOPNOTSUPP means for a block device's discard command: io_uring says the same for both causes.
    private const string BlockDiscardUnsupported = "the block device refused the discard: either it cannot discard (now: its discard_max_bytes is 0) " +
        "or this kernel's io_uring has no BLOCK_URING_CMD_DISCARD (Linux 6.12+), in which case IoEngine.Sync or IoEngine.Libaio (the BLKDISCARD ioctl) can trim";

    private readonly FileDevice _device;
    private readonly FileDeviceOptions _options;
    private readonly bool _polled;
    private readonly bool _completionPolling;
    private readonly ConcurrentQueue<Bio> _incoming = new();
    // Set before the first bio is handed over by another thread: until then the owner's drains
    // skip the queue (a polled ring's owner submits its own bios and never needs it).
    private bool _incomingQueued;
    private readonly Queue<Bio> _waiting = new();
    private readonly Queue<(Bio Bio, int Error)> _flushed = new();
    private readonly ManualResetEventSlim _started = new();
    private readonly Thread _thread;
    private readonly List<string> _notes = [];

    private IoUringRing _ring = null!;
    private FileDescriptor _eventFd = null!;
    private ulong* _eventBuffer;
    private IoVec* _iovecs;
    private int _segmentsPerSlot;
    private Slot[] _slots = [];
    private int[] _freeSlots = [];
    private int _freeCount;
    private int _inFlight;
    private int _fd;
    private byte _fileFlags;
    private nint _poolBase;
    private long _poolBytes;
    private Exception? _setupFailure;
    private int _sleeping;
    private volatile bool _stopping;
    private long _staleCompletions;
    private int _ownerThreadId;
    private int _completedInPoll;
    private bool _disabledAtSetup;
    private readonly uint _submitBatch;
    private readonly long _reapSpinTicks;
    private bool _postsOnCommit;
    private int _reapLimit = int.MaxValue; // CQEs one Poll may take (the completion thread's Loop takes every one)

    /// <summary>
    /// One request on the ring: a piece of a bio — the whole bio, or for a bio of separate
    /// pool vecs one vec, each its own READ_FIXED so that no page needs a kernel pin. The
    /// lead slot of a bio counts its pieces and keeps the first error.
    /// </summary>
    private struct Slot
    {
        public Bio? Bio;
        public uint Generation;
        public int PieceStart;
        public int PieceLength;
        public int Done;
        public int VecIndex;
        public int Lead;
        public int PiecesLeft;
        public int Error;
        public bool CancelSent;
    }

    private IoUringEngine(FileDevice device, FileDeviceOptions options)
    {
        _device = device;
        _options = options;
        _polled = options.PolledCompletions;
        _completionPolling = options.CompletionPolling;
        _submitBatch = (uint)options.SubmitBatch;
        _reapSpinTicks = options.ReapSpinMicroseconds * Stopwatch.Frequency / 1_000_000;
        _thread = new Thread(Run) { IsBackground = true, Name = "pinio-uring" };
    }

    public bool UsesFixedBuffers => _poolBytes > 0;

    public bool IsOwnerThread
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _ownerThreadId) == CurrentThread.Id;
    }

    public bool IsPolled => _polled;

    /// <summary>The completion thread of an unpolled ring (a polled ring's owner drives it, and may wait on it).</summary>
    public bool IsEngineThread => !_polled && IsOwnerThread;

    /// <summary>IORING_SETUP_* of the ring, for tests and diagnostics (IORING_SETUP_SQPOLL when SubmissionPolling took effect).</summary>
    public uint SetupFlags => _ring.SetupFlags;

    /// <summary>Whether the owner enters the ring by its registered index (IORING_REGISTER_RING_FDS); false on other threads.</summary>
    public bool EntersRegisteredRing => _ring.EntersRegistered;

    /// <summary>What the ring took and what the kernel refused, one line: for <see cref="FileDevice.EngineDescription"/>.</summary>
    public string Description => RingDescription.Of(_ring, _fileFlags != 0, _poolBytes, _device.BufferPool, _notes);

    /// <summary>SQPOLL: whether the kernel submission thread has gone idle and waits to be woken (IORING_SQ_NEED_WAKEUP).</summary>
    public bool SubmissionThreadSleeping => _ring.SqNeedsWakeup;

    /// <summary>CQEs whose slot had moved on (a generation mismatch): detected and dropped, never delivered.</summary>
    public long StaleCompletions => Interlocked.Read(ref _staleCompletions);

    /// <summary>
    /// Starts the ring thread and waits for its setup. False when io_uring is unavailable
    /// (ENOSYS, EPERM): the caller falls back to the sync engine — unless SubmissionPolling or
    /// CompletionPolling asked for io_uring by name, which then throws. Other failures throw.
    /// </summary>
    public static bool TryCreate(FileDevice device, FileDeviceOptions options, [NotNullWhen(true)] out IoUringEngine? engine)
    {
        var candidate = new IoUringEngine(device, options);
        if (candidate._polled)
        {
            candidate.SetupOrRecord();
        }
        else
        {
            candidate._thread.Start();
            candidate._started.Wait();
            if (candidate._setupFailure is not null)
            {
                candidate._thread.Join();
            }
        }
        candidate._started.Dispose();
        if (candidate._setupFailure is null)
        {
            engine = candidate;
            return true;
        }
        engine = null;
        bool ringAskedFor = options.SubmissionPolling || options.CompletionPolling;
        if (candidate._setupFailure is DirectIoException { Errno: Errno.ENOSYS or Errno.EPERM } && !ringAskedFor)
        {
            return false;
        }
        throw candidate._setupFailure;
    }

    /// <summary>As <see cref="Submit"/>, from a caller that has just seen that it owns the ring.</summary>
    public void SubmitOnOwner(Bio bio)
    {
        Debug.Assert(IsOwnerThread, "SubmitOnOwner from a thread that does not own the ring");
        PrepOrWait(bio);
    }

    public void Submit(Bio bio)
    {
        if (IsOwnerThread || (_polled && TryClaimOwner()))
        {
            PrepOrWait(bio);
            return;
        }
        Volatile.Write(ref _incomingQueued, true);
        _incoming.Enqueue(bio);
        if (!_polled)
        {
            WakeOwnerUnlessPlugged();
        }
    }

    /// <summary>
    /// As <see cref="WakeOwner"/>, except that under the calling thread's <see cref="BlkPlug"/> a
    /// sleeping owner with requests in flight is left asleep: a completion wakes it, or the plug's
    /// flush (<see cref="Unplug"/>), whichever comes first, and it takes every bio queued meanwhile.
    /// </summary>
    private void WakeOwnerUnlessPlugged()
    {
        Interlocked.MemoryBarrier(); // as in WakeOwner: our bio is in the queue before we look
        if (Volatile.Read(ref _sleeping) == 0)
        {
            return;
        }
        // The owner wrote its count of requests in flight before it said it may sleep: a count
        // above zero read now means a completion is still to come, which wakes it.
        if (Volatile.Read(ref _inFlight) > 0 && BlkPlug.TryDefer(this))
        {
            return;
        }
        WakeOwner();
    }

    /// <inheritdoc/>
    public void Unplug() => WakeOwner();

    /// <summary>
    /// Polled mode: submits everything prepared since the last call and reaps completions, with
    /// one io_uring_enter, waiting until at least <paramref name="minComplete"/> requests (no
    /// more than are in flight) have ended. Bios end here, on the calling thread — the ring's
    /// owner, the first thread that submitted or polled. Returns the requests ended. No more
    /// than <paramref name="maxComplete"/> CQEs are taken (at least <paramref name="minComplete"/>):
    /// the rest stay in the CQ for the next poll, which takes them without a system call.
    /// </summary>
    [SkipLocalsInit] // the CQE batch is written before it is read: no need to zero 1 KiB per call
    public int Poll(int minComplete, int maxComplete = int.MaxValue)
    {
        ClaimPolledRing(nameof(Poll));
        _completedInPoll = 0;
        _reapLimit = Math.Max(1, Math.Max(minComplete, maxComplete));
        Span<IoUringCqe> batch = stackalloc IoUringCqe[64];
        DrainIncoming();
        DrainCancels();
        EndFlushed();
        uint wait = (uint)Math.Clamp(minComplete - _completedInPoll, 0, _inFlight);
        if (RingAlreadyHolds(wait))
        {
            // fio's getevents: completions a Commit posted are reaped from the CQ without a system call.
            Reap(batch);
            EndFlushed();
            return _completedInPoll;
        }
        if (wait > 0 && _reapSpinTicks > 0 && (wait = SpinForCompletions(minComplete, batch)) == 0)
        {
            EndFlushed();
            return _completedInPoll;
        }
        ThrowIfEnterFailed(EnterRetrying(wait));
        Reap(batch);
        EndFlushed();
        return _completedInPoll;
    }

    /// <summary>
    /// Polled mode: submits everything prepared since the last call with one io_uring_enter
    /// and reaps nothing: completions are left in the CQ for the next <see cref="Poll"/>, as
    /// fio's commit leaves them for its getevents. Returns the requests submitted.
    /// <para>
    /// Under DEFER_TASKRUN the enter also asks for events (IORING_ENTER_GETEVENTS, no wait), as
    /// fio's commit does: the kernel then posts the completions that arrived since the last
    /// enter, so the next Poll finds them in the CQ without a system call of its own.
    /// Without it every reap was an io_uring_enter (1.09 per I/O against fio's 1.03 on a
    /// file at depth 32), and completions waited in the kernel until it.
    /// </para>
    /// </summary>
    public int Commit()
    {
        ClaimPolledRing(nameof(Commit));
        DrainIncoming();
        DrainCancels();
        uint pending;
        int res = _postsOnCommit && (pending = _ring.Flush()) > 0 ? EnterRetrying(pending, 0) : _ring.Submit();
        ThrowIfEnterFailed(res);
        return Math.Max(0, res);
    }

    /// <summary>
    /// Whether a poll for <paramref name="wait"/> completions (at least one) can be met from
    /// the CQ alone: nothing is left to submit and the ring already holds enough CQEs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool RingAlreadyHolds(uint wait) => _ring.Flush() == 0 && _ring.CqReady >= Math.Max(wait, 1u);

    /// <summary>Poll and Commit run on a polled ring's owner, the first thread that submitted or polled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ClaimPolledRing(string call)
    {
        if (!_polled || (!IsOwnerThread && !TryClaimOwner()))
        {
            ThrowNotPolledOwner(call);
        }
    }

    [DoesNotReturn]
    private void ThrowNotPolledOwner(string call) => ThrowHelper.ThrowMisuse(!_polled
        ? $"{call} is for a device opened with PolledCompletions; this one has a completion thread."
        : $"{call} from a thread that does not own the ring: a polled device is driven by the thread that first submitted or polled.");

    /// <summary>EAGAIN and EBUSY leave the ring as it was (the caller polls again); any other failure strands what is in flight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ThrowIfEnterFailed(int res)
    {
        if (res < 0 && res != -(int)Errno.EAGAIN && res != -(int)Errno.EBUSY)
        {
            ThrowHelper.ThrowDirectIo((Errno)(-res), "io_uring_enter failed on the device ring");
        }
    }

    /// <summary>
    /// Polled mode: completions a <see cref="Poll"/> would end without a system call — CQEs in
    /// the ring and flushes done — as of the last io_uring_enter (under DEFER_TASKRUN the kernel
    /// posts what ended since only when the owner enters).
    /// </summary>
    public int CompletionsReady => _ring is null ? 0 : (int)_ring.CqReady + _flushed.Count;

    /// <summary>Requests prepared or in flight on the ring, bios waiting for a slot, and flushes done but not yet ended.</summary>
    public int Pending => _inFlight + _waiting.Count + _incoming.Count + _flushed.Count;

    /// <summary>Waits for every request in flight, then tears the ring down (on its own thread).</summary>
    public void Dispose()
    {
        if (IsEngineThread)
        {
            // FileDevice refuses this before it gets here: the ring thread cannot wait for itself.
            ThrowHelper.ThrowMisuse("The io_uring engine cannot be disposed on its own completion thread: dispose it from another thread.");
        }
        _stopping = true;
        if (_polled)
        {
            DisposePolled();
            return;
        }
        WakeOwner(force: true);
        _thread.Join();
        _eventFd?.Dispose();
    }

    /// <summary>A polled ring's requests end only in its owner's Poll: another thread may close it only when it is idle.</summary>
    public void CheckDisposeThread()
    {
        int owner = Volatile.Read(ref _ownerThreadId);
        if (_polled && owner != 0 && owner != Environment.CurrentManagedThreadId && Pending > 0)
        {
            ThrowHelper.ThrowMisuse("A polled device with requests in flight must be disposed on its owner thread, which reaps them first.");
        }
    }

    /// <summary>Memory under I/O is never freed: the owner reaps what is in flight first; another thread may only close an idle ring.</summary>
    private void DisposePolled()
    {
        if (_ring is null)
        {
            return;
        }
        if (IsOwnerThread || TryClaimOwner())
        {
            while (Pending > 0)
            {
                Poll(1);
            }
        }
        else
        {
            CheckDisposeThread();
        }
        FreeResources();
        _ring = null!;
    }

    /// <summary>
    /// The first thread to submit or poll owns a polled ring: enabling the ring (made
    /// R_DISABLED) makes it the SINGLE_ISSUER submitter.
    /// </summary>
    private bool TryClaimOwner()
    {
        if (Interlocked.CompareExchange(ref _ownerThreadId, Environment.CurrentManagedThreadId, 0) != 0)
        {
            return IsOwnerThread;
        }
        if (_disabledAtSetup)
        {
            Errors.Check(_ring.EnableRings(), "io_uring_register(IORING_REGISTER_ENABLE_RINGS)");
        }
        if (_options.PolledOwnerRegistersRingFd)
        {
            RegisterRingFd();
        }
        return true;
    }

    private void WakeOwner(bool force = false)
    {
        // Pairs with the owner's store of _sleeping and full fence before its last look at
        // the queue: either it sees our bio, or we see it may sleep and write the eventfd.
        Interlocked.MemoryBarrier();
        if (force || (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1))
        {
            Interop.EventFdWrite(_eventFd, 1);
        }
    }

    private void Run()
    {
        CompletionContext.MarkCurrentThread();
        if (!SetupOrRecord())
        {
            _started.Set();
            return;
        }
        _ownerThreadId = Environment.CurrentManagedThreadId;
        _started.Set();
        try
        {
            Loop();
        }
        catch (Exception e)
        {
            // A ring that cannot be entered any more would strand every request in flight and
            // the memory under it: stop the process rather than fail silently.
            Environment.FailFast("PinIo io_uring engine failed", e);
        }
        finally
        {
            _ownerThreadId = 0;
            FreeResources(closeWake: false);
            _exited.TrySetResult();
        }
    }

    private bool SetupOrRecord()
    {
        try
        {
            Setup();
            return true;
        }
        catch (Exception e) when (e is DirectIoException or ArgumentException or OutOfMemoryException)
        {
            _setupFailure = e;
            FreeResources();
            return false;
        }
    }

    [SkipLocalsInit]
    private void Loop()
    {
        Span<IoUringCqe> batch = stackalloc IoUringCqe[64];
        while (true)
        {
            DrainIncoming();
            DrainCancels();
            uint pending = _ring.Flush();
            if (_stopping && _inFlight == 0 && _waiting.Count == 0 && _incoming.IsEmpty)
            {
                return;
            }
            Volatile.Write(ref _sleeping, 1);
            Interlocked.MemoryBarrier();
            // Wait for a completion when nothing new can go out: the queue is empty, or every
            // slot is in flight (bios left in _incoming wait for a slot). Entering without a
            // wait passes no GETEVENTS, and under DEFER_TASKRUN completions are only posted
            // when we enter with it: spinning on a full ring would never see one.
            uint wait = (_incoming.IsEmpty || _freeCount == 0) && _cancels.IsEmpty && _ring.CqReady == 0 ? 1u : 0u;
            int res = _ring.Enter(pending, wait);
            Volatile.Write(ref _sleeping, 0);
            if (res < 0 && res != -(int)Errno.EINTR && res != -(int)Errno.EAGAIN && res != -(int)Errno.EBUSY)
            {
                throw new DirectIoException((Errno)(-res), "io_uring_enter failed on the device ring");
            }
            Reap(batch);
        }
    }

    /// <summary>
    /// Ends every completed bio. A continuation run inline may queue a new request; once
    /// <see cref="FileDeviceOptions.SubmitBatch"/> of them wait while completions remain to be
    /// handled, they go out at once, so the device is not left idle behind a long reap (fio
    /// commits each request as it is queued). The last ones go out with the next wait.
    /// </summary>
    private void Reap(Span<IoUringCqe> batch)
    {
        int n;
        int left = _reapLimit;
        while (left > 0 && (n = _ring.PeekBatch(left < batch.Length ? batch[..left] : batch)) > 0)
        {
            left -= n;
            _ring.CqAdvance((uint)n);
            for (int i = 0; i < n; i++)
            {
                Handle(batch[i]);
                if (i < n - 1 && _ring.Flush() >= _submitBatch)
                {
                    SubmitNow();
                }
            }
        }
    }

    private void SubmitNow() => EnterRetrying(0);

    /// <summary>Submits everything published and waits for <paramref name="wait"/> completions; a signal only restarts it.</summary>
    private int EnterRetrying(uint wait) => EnterRetrying(_ring.Flush(), wait);

    /// <summary>
    /// <see cref="EnterRetrying(uint)"/> for a caller that has just flushed <paramref name="pending"/>
    /// SQEs: the SQ is flushed again only for a retry, after a signal.
    /// </summary>
    private int EnterRetrying(uint pending, uint wait)
    {
        int res;
        while ((res = _ring.Enter(pending, wait)) == -(int)Errno.EINTR)
        {
            pending = _ring.Flush();
        }
        return res;
    }

    /// <summary>Ends the flushes and discards that ran as blocking calls (<see cref="RunNow"/>), on the polling thread, as Reap ends the others.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EndFlushed()
    {
        // Called two or three times per poll, nearly always with nothing to end: the count is a
        // field read, the dequeue a call.
        if (_flushed.Count == 0)
        {
            return;
        }
        while (_flushed.TryDequeue(out (Bio Bio, int Error) done))
        {
            _completedInPoll++;
            BioTransfer.Complete(_device, done.Bio, done.Error);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DrainIncoming()
    {
        if (!Volatile.Read(ref _incomingQueued))
        {
            return;
        }
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DrainWaiting()
    {
        while (_waiting.TryPeek(out Bio? bio) && TryStart(bio))
        {
            _waiting.Dequeue();
        }
    }
}
