// Follows liburing src/queue.c (__io_uring_get_cqe, io_uring_peek_batch_cqe) and src/include/liburing.h (io_uring_cq_advance).
using System.Runtime.CompilerServices;
using System.Diagnostics;

namespace PinIo.Linux;

internal sealed unsafe partial class IoUringRing
{
    /// <summary>CQEs ready to be read without a system call.</summary>
    public uint CqReady
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Acquire: pairs with the kernel's smp_store_release of the CQ tail in
            // io_commit_cqring(). The head is ours alone, so a plain load does.
            return Volatile.Read(ref *_cq._kTail) - *_cq._kHead;
        }
    }

    /// <summary>CQEs the kernel had to drop because the CQ was full (always 0 with IORING_FEAT_NODROP).</summary>
    public uint CqOverflow => Volatile.Read(ref *_cq._kOverflow); // a fresh read; the kernel WRITE_ONCEs it

    /// <summary>
    /// Copies the oldest ready CQE without a system call, and leaves it in the ring:
    /// <see cref="CqAdvance"/> (or <see cref="CqeSeen"/>) consumes it. False when none is
    /// ready in the ring; completions the kernel still holds back (CQ overflow, or task work
    /// on an IORING_SETUP_DEFER_TASKRUN ring) need <see cref="WaitCqe(out IoUringCqe)"/>.
    /// </summary>
    public bool TryPeekCqe(out IoUringCqe cqe)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Plain load: only this side stores the CQ head.
        uint head = *_cq._kHead;
        // Acquire: pairs with the kernel's smp_store_release of the CQ tail in
        // io_commit_cqring(). The kernel writes a CQE before the tail that covers it, so once
        // we see the tail the CQE below is complete.
        uint tail = Volatile.Read(ref *_cq._kTail);
        if (head == tail)
        {
            cqe = default;
            return false;
        }

        cqe = _cq.Cqes[head & _cq.RingMask];
        return true;
    }

    /// <summary>
    /// Copies up to <c>into.Length</c> ready CQEs, oldest first, without a system call and
    /// without consuming them; returns how many. Consume them with <see cref="CqAdvance"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int PeekBatch(Span<IoUringCqe> into)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        uint head = *_cq._kHead; // plain: ours alone
        // Acquire: pairs with the kernel's smp_store_release of the CQ tail in io_commit_cqring().
        uint tail = Volatile.Read(ref *_cq._kTail);
        int count = (int)Math.Min(tail - head, (uint)into.Length);
        for (int i = 0; i < count; i++)
        {
            into[i] = _cq.Cqes[(head + (uint)i) & _cq.RingMask];
        }

        return count;
    }

    /// <summary>
    /// Consumes <paramref name="count"/> CQEs, handing their slots back to the kernel.
    /// Consuming more than are ready corrupts the ring, so it throws
    /// <see cref="InvalidOperationException"/> in every build.
    /// </summary>
    public void CqAdvance(uint count)
    {
        if (count == 0)
        {
            return;
        }

        uint ready = CqReady;
        if (count > ready)
        {
            ThrowHelper.ThrowMisuse($"CqAdvance({count}) with only {ready} CQEs ready");
        }

        // Release: our loads of the consumed CQEs happen before the head store. Pairs with
        // the kernel's read of the CQ head (READ_ONCE with the control dependency in
        // io_get_cqe) before it writes a new CQE into one of those slots.
        Volatile.Write(ref *_cq._kHead, *_cq._kHead + count);
    }

    /// <summary>Consumes the CQE that <see cref="TryPeekCqe"/> or <see cref="WaitCqe(out IoUringCqe)"/> returned.</summary>
    public void CqeSeen() => CqAdvance(1);

    /// <summary>
    /// Returns 0 and the oldest CQE (not consumed), entering the kernel to wait while none is
    /// ready; or -errno. EINTR is retried.
    /// </summary>
    public int WaitCqe(out IoUringCqe cqe)
    {
        while (!TryPeekCqe(out cqe))
        {
            int res = EnterKernel(0, 1, Interop.IORING_ENTER_GETEVENTS);
            if (res < 0 && res != -(int)Errno.EINTR)
            {
                return res;
            }
        }

        return 0;
    }

    /// <summary>
    /// As <see cref="WaitCqe(out IoUringCqe)"/>, but gives up with -ETIME after
    /// <paramref name="timeout"/>. Needs IORING_FEAT_EXT_ARG (Linux 5.11): without it,
    /// returns -EOPNOTSUPP, and the caller waits without a timeout instead.
    /// </summary>
    public int WaitCqe(out IoUringCqe cqe, TimeSpan timeout)
    {
        if ((Features & Interop.IORING_FEAT_EXT_ARG) == 0)
        {
            cqe = default;
            return -(int)Errno.EOPNOTSUPP;
        }

        long start = Stopwatch.GetTimestamp();
        while (!TryPeekCqe(out cqe))
        {
            TimeSpan left = timeout - Stopwatch.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                return -(int)Errno.ETIME;
            }

            int res = EnterWithTimeout(1, left);
            if (res < 0 && res != -(int)Errno.EINTR && res != -(int)Errno.ETIME)
            {
                return res;
            }
        }

        return 0;
    }

    /// <summary>Returns 0 once at least <paramref name="count"/> CQEs are ready (clamped to <see cref="CqEntries"/>), or -errno.</summary>
    public int WaitCqes(uint count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return WaitReady(Math.Min(count, _cq.RingEntries));
    }

    private int WaitReady(uint count)
    {
        while (CqReady < count)
        {
            int res = EnterKernel(0, count, Interop.IORING_ENTER_GETEVENTS);
            if (res < 0 && res != -(int)Errno.EINTR)
            {
                return res;
            }
        }

        return 0;
    }

    private int EnterWithTimeout(uint minComplete, TimeSpan timeout)
    {
        long ticks = timeout.Ticks;
        KernelTimespec ts;
        ts.TvSec = ticks / TimeSpan.TicksPerSecond;
        ts.TvNsec = ticks % TimeSpan.TicksPerSecond * TimeSpan.NanosecondsPerTick;
        IoUringGeteventsArg arg = default;
        arg.Ts = (ulong)&ts;
        return EnterKernel(0, minComplete,
            Interop.IORING_ENTER_GETEVENTS | Interop.IORING_ENTER_EXT_ARG, &arg, (nuint)sizeof(IoUringGeteventsArg));
    }
}
