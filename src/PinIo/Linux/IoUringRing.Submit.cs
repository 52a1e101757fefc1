// Follows liburing src/queue.c (__io_uring_flush_sq, __io_uring_submit) and the ordering notes atop io_uring/io_uring.c.
using System.Runtime.CompilerServices;
namespace PinIo.Linux;

internal sealed unsafe partial class IoUringRing
{
    /// <summary>Free SQ slots: how many more <see cref="TryGetSqe"/> calls succeed before a submit.</summary>
    public uint SqSpaceLeft => _sq.RingEntries - SqReady;

    /// <summary>SQEs handed out that the kernel has not consumed yet (submitted or not).</summary>
    public uint SqReady
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Acquire: pairs with the kernel's smp_store_release of the SQ head in
            // io_commit_sqring(), as in TryGetSqe.
            return _sq.SqeTail - Volatile.Read(ref *_sq._kHead);
        }
    }

    /// <summary>SQEs the kernel skipped as invalid since setup (sq_ring->dropped).</summary>
    public uint SqDropped => Volatile.Read(ref *_sq._kDropped); // a fresh read; the kernel WRITE_ONCEs it

    /// <summary>
    /// Hands out the next SQ slot, or false when all <see cref="SqEntries"/> slots hold SQEs
    /// the kernel has not consumed: submit, then try again. Fill the slot with a Prep*
    /// helper (which writes all 64 bytes) before the next <see cref="Submit"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGetSqe(out IoUringSqe* sqe)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Acquire: pairs with the kernel's smp_store_release of the SQ head in
        // io_commit_sqring(). Once the head has moved past a slot the kernel is done reading
        // it, so our stores into the reused slot cannot reach it early.
        uint head = Volatile.Read(ref *_sq._kHead);
        uint tail = _sq.SqeTail;
        if (tail - head >= _sq.RingEntries)
        {
            sqe = null;
            return false;
        }

        sqe = _sq.Sqes + (tail & _sq.RingMask);
        _sq.SqeTail = tail + 1;
        return true;
    }

    /// <summary>
    /// Publishes every SQE taken since the last submit with one io_uring_enter. Returns the
    /// number the kernel consumed, or -errno (EINTR is retried here).
    /// </summary>
    public int Submit() => SubmitAndWait(0);

    /// <summary>
    /// As <see cref="Submit"/>, in the same io_uring_enter, and then returns only once at
    /// least <paramref name="waitNr"/> CQEs are ready (clamped to <see cref="CqEntries"/>).
    /// A signal never cuts the wait short. If the wait fails after the SQEs went in, its
    /// -errno is returned and the SQEs are in flight all the same.
    /// </summary>
    public int SubmitAndWait(uint waitNr)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        waitNr = Math.Min(waitNr, _cq.RingEntries);
        int res;
        do
        {
            res = SubmitOnce(waitNr);
        }
        while (res == -(int)Errno.EINTR);

        if (res < 0 || waitNr == 0)
        {
            return res;
        }

        int waited = WaitReady(waitNr);
        return waited < 0 ? waited : res;
    }

    /// <summary>
    /// Publishes the SQEs filled since the last flush without entering the kernel; returns how
    /// many the kernel has yet to consume. For an owner that submits with its own wait in
    /// one <see cref="Enter"/>.
    /// </summary>
    public uint Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return FlushSq();
    }

    /// <summary>
    /// Submits up to <paramref name="toSubmit"/> published SQEs and waits until
    /// <paramref name="minComplete"/> CQEs are ready (0: no wait). Returns the SQEs consumed or
    /// -errno; EINTR is the caller's to retry.
    /// <para>
    /// Without SQPOLL this is always one io_uring_enter with GETEVENTS: under DEFER_TASKRUN
    /// completions reach the CQ only when the owner enters with it, and with no wait it costs
    /// nothing more. With SQPOLL the kernel thread submits, so the call enters only when it
    /// must, as liburing's submit and get_cqe paths do: to wake a sleeping thread, to wait for
    /// CQEs the ring does not hold yet, or to flush an overflowed CQ. Otherwise it returns
    /// <paramref name="toSubmit"/> without a system call: those SQEs are the thread's to take.
    /// </para>
    /// </summary>
    public int Enter(uint toSubmit, uint minComplete)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        uint flags = Interop.IORING_ENTER_GETEVENTS;
        if ((_setupFlags & Interop.IORING_SETUP_SQPOLL) != 0 && !SqPollNeedsEnter(toSubmit, minComplete, out flags))
        {
            return (int)toSubmit;
        }

        return EnterKernel(toSubmit, minComplete, flags);
    }

    /// <summary>
    /// SQPOLL: whether the kernel thread has gone idle and sleeps (IORING_SQ_NEED_WAKEUP) until
    /// an io_uring_enter wakes it; the next submission does. Always false without SQPOLL.
    /// </summary>
    public bool SqNeedsWakeup
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // A fresh read: the kernel sets and clears the bit with atomics and orders nothing by it.
            return (Volatile.Read(ref *_sq._kFlags) & Interop.IORING_SQ_NEED_WAKEUP) != 0;
        }
    }

    /// <summary>
    /// SQPOLL with a full SQ: returns once the kernel thread has taken an SQE off it
    /// (IORING_ENTER_SQ_WAIT, waking the thread first if it sleeps), as liburing's
    /// io_uring_sqring_wait. At once when there is room, or without SQPOLL, where only our own
    /// io_uring_enter consumes SQEs. Returns 0 or -errno.
    /// </summary>
    public int WaitSqSpace()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((_setupFlags & Interop.IORING_SETUP_SQPOLL) == 0 || SqSpaceLeft > 0)
        {
            return 0;
        }

        uint flags = Interop.IORING_ENTER_SQ_WAIT;
        SqNeedsEnter(SqReady, ref flags);
        int res;
        do
        {
            res = EnterKernel(0, 0, flags);
        }
        while (res == -(int)Errno.EINTR);
        return Math.Min(res, 0);
    }

    /// <summary>
    /// SQPOLL: the flags for an io_uring_enter, and whether one is needed at all — to wake the
    /// thread for <paramref name="toSubmit"/> new SQEs, or to wait for CQEs not in the ring yet.
    /// </summary>
    private bool SqPollNeedsEnter(uint toSubmit, uint minComplete, out uint flags)
    {
        flags = 0;
        bool wake = SqNeedsEnter(toSubmit, ref flags);
        bool wait = minComplete > CqReady || CqNeedsEnter();
        if (wait)
        {
            flags |= Interop.IORING_ENTER_GETEVENTS;
        }

        return wake || wait;
    }

    private int SubmitOnce(uint waitNr)
    {
        uint pending = FlushSq();
        uint flags = 0;
        bool submitNeedsEnter = SqNeedsEnter(pending, ref flags);
        bool getEvents = waitNr > 0 || CqNeedsEnter();
        if (!submitNeedsEnter && !getEvents)
        {
            return (int)pending;
        }

        if (getEvents)
        {
            flags |= Interop.IORING_ENTER_GETEVENTS;
        }

        return EnterKernel(pending, waitNr, flags);
    }

    /// <summary>Moves the shared tail over the SQEs filled since the last flush; returns how many the kernel has yet to consume.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint FlushSq()
    {
        uint tail = _sq.SqeTail;
        if (_sq.SqeHead != tail)
        {
            _sq.SqeHead = tail;
            // Release: every store into the SQEs happens before the tail store. Pairs with
            // the kernel's smp_load_acquire of the SQ tail in io_sqring_entries(), so the
            // kernel never reads an SQE we are still writing.
            Volatile.Write(ref *_sq._kTail, tail);
        }

        // A plain load of the head, on purpose. Two cases: (1) without SQPOLL only our own
        // io_uring_enter moves the head, and none is running; (2) with SQPOLL the kernel
        // thread may move it at any moment, so the value is stale the instant it is read,
        // acquire or not. Either way the count only decides whether to enter and how many
        // to pass, and the kernel clamps that to what is really there.
        return tail - *_sq._kHead;
    }

    private bool SqNeedsEnter(uint pending, ref uint flags)
    {
        if (pending == 0)
        {
            return false;
        }

        if ((_setupFlags & Interop.IORING_SETUP_SQPOLL) == 0)
        {
            return true;
        }

        // Full barrier between the tail store in FlushSq and the flags load below. Pairs with
        // the smp_mb__after_atomic() the SQPOLL thread issues after setting
        // IORING_SQ_NEED_WAKEUP and before it looks at the tail one last time: either the
        // thread sees our new tail, or we see its flag and wake it.
        Interlocked.MemoryBarrier();
        if ((Volatile.Read(ref *_sq._kFlags) & Interop.IORING_SQ_NEED_WAKEUP) != 0)
        {
            flags |= Interop.IORING_ENTER_SQ_WAKEUP;
            return true;
        }

        return false;
    }

    /// <summary>
    /// IOPOLL rings reap only inside io_uring_enter — unless an SQPOLL thread polls for them
    /// (io_sq_thread runs io_do_iopoll; the kernel then leaves ctx->syscall_iopoll off and
    /// io_uring_enter only waits). An overflowed CQ or pending task work
    /// (IORING_SQ_CQ_OVERFLOW, IORING_SQ_TASKRUN) needs GETEVENTS to reach the ring.
    /// </summary>
    private bool CqNeedsEnter()
    {
        const uint PollingFlags = Interop.IORING_SETUP_IOPOLL | Interop.IORING_SETUP_SQPOLL;
        if ((_setupFlags & PollingFlags) == Interop.IORING_SETUP_IOPOLL)
        {
            return true;
        }

        // A fresh read is all that is needed: the kernel sets these bits with atomic_or and
        // orders nothing else by them.
        uint flags = Volatile.Read(ref *_sq._kFlags);
        return (flags & (Interop.IORING_SQ_CQ_OVERFLOW | Interop.IORING_SQ_TASKRUN)) != 0;
    }
}
