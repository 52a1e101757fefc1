// Follows io_uring/tctx.c (io_ringfd_register, io_ringfd_unregister) and io_uring_enter's IORING_ENTER_REGISTERED_RING.
namespace PinIo.Linux;

internal sealed unsafe partial class IoUringRing
{
    // One object per thread that ever registered a ring, never shared or reused: a managed
    // thread id is recycled after its thread exits, and a new thread with the old id would
    // enter through an index into its own table, which may hold another ring.
    [ThreadStatic]
    private static object? t_thread;

    // The slot in the registering thread's table of rings, and that thread's token (null:
    // none). The table is per task, so only the registering thread enters through the index.
    private uint _registeredIndex;
    private object? _registeredThread;

    /// <summary>Whether the calling thread enters this ring through its registered index (IORING_ENTER_REGISTERED_RING).</summary>
    public bool EntersRegistered => _registeredThread is not null && _registeredThread == t_thread;

    /// <summary>Whether some thread has the ring registered in its table (and enters it by index).</summary>
    public bool IsRingFdRegistered => _registeredThread is not null;

    /// <summary>
    /// Registers the ring's descriptor in the calling thread's io_uring table
    /// (IORING_REGISTER_RING_FDS, Linux 5.18): this thread's io_uring_enter calls then name the
    /// ring by that index and the kernel skips the descriptor lookup and its reference count —
    /// an atomic pair per call in a multi-threaded process. Other threads keep entering by
    /// descriptor. Returns 0 or -errno (EINVAL: the kernel has no such registration; EBUSY:
    /// this thread's 16 slots are taken; EEXIST: another thread is the SINGLE_ISSUER owner).
    /// The table holds a reference on the ring: <see cref="Dispose"/> on the same thread drops
    /// it; a ring disposed on another thread lives on in the kernel until the registering
    /// thread exits.
    /// </summary>
    public int RegisterRingFd()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_registeredThread is not null)
        {
            return -(int)Errno.EBUSY;
        }
        IoUringRsrcUpdate update = default;
        update.Offset = uint.MaxValue;
        update.Data = (ulong)_fd;
        int res = Interop.IoUringRegister(_fd, Interop.IORING_REGISTER_RING_FDS, &update, 1);
        if (res < 0)
        {
            return res;
        }
        _registeredIndex = update.Offset;
        _registeredThread = t_thread ??= new object();
        return 0;
    }

    /// <summary>Drops the calling thread's registration; returns 0, or -errno (EINVAL: none was made on this thread).</summary>
    public int UnregisterRingFd()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return ReleaseRingFd();
    }

    private int ReleaseRingFd()
    {
        if (!EntersRegistered)
        {
            return -(int)Errno.EINVAL;
        }
        IoUringRsrcUpdate update = default;
        update.Offset = _registeredIndex;
        int res = Interop.IoUringRegister(_fd, Interop.IORING_UNREGISTER_RING_FDS, &update, 1);
        _registeredThread = null;
        return Math.Min(res, 0);
    }

    private int EnterKernel(uint toSubmit, uint minComplete, uint flags, void* argument = null, nuint argumentSize = Interop.KernelSigsetSize)
    {
        if (_registeredThread is not null && _registeredThread == t_thread)
        {
            return Interop.IoUringEnter((int)_registeredIndex, toSubmit, minComplete, flags | Interop.IORING_ENTER_REGISTERED_RING, argument, argumentSize);
        }
        return Interop.IoUringEnter(_fd, toSubmit, minComplete, flags, argument, argumentSize);
    }
}
