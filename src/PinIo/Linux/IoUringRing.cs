// Follows liburing src/setup.c (io_uring_queue_init_params, io_uring_queue_exit) over include/uapi/linux/io_uring.h.
namespace PinIo.Linux;

/// <summary>
/// An io_uring instance over the raw system calls, shaped like liburing: take a slot with
/// <see cref="TryGetSqe"/>, fill it with a Prep* helper, <see cref="Submit"/>; reap with
/// <see cref="TryPeekCqe"/> or <see cref="WaitCqe(out IoUringCqe)"/>, then
/// <see cref="CqAdvance"/>. Results are ints, -errno on failure, as in liburing; only
/// <see cref="Create(uint, uint)"/> throws.
/// <para>
/// Not thread-safe: one thread submits and reaps, or the caller serialises (liburing's
/// contract too). <see cref="Dispose"/> unmaps the rings and closes the descriptor; the
/// kernel then cancels what is still in flight and drops registered buffers and files.
/// Memory that an in-flight request reads or writes must stay valid until its CQE is reaped.
/// A ring never disposed keeps its mappings, and so the kernel ring, until the process exits.
/// </para>
/// </summary>
internal sealed unsafe partial class IoUringRing : IDisposable
{
    // SQE128, CQE32 and NO_MMAP change the entry sizes or who maps the rings, and
    // REGISTERED_FD_ONLY leaves no descriptor to mmap: this ring handles none of them.
    private const uint UnsupportedSetupFlags = Interop.IORING_SETUP_SQE128 | Interop.IORING_SETUP_CQE32
        | Interop.IORING_SETUP_NO_MMAP | Interop.IORING_SETUP_REGISTERED_FD_ONLY;

    private readonly FileDescriptor _ringFd;
    private readonly int _fd;
    private readonly uint _setupFlags;

    // Mutable structs: a readonly field would hand out copies and lose every update.
    private SubmissionQueue _sq;
    private CompletionQueue _cq;
    private RingMappings _maps;

    private ulong[]? _supportedOps;
    private bool _disposed;

    private IoUringRing(FileDescriptor ringFd, in IoUringParams p, in RingMappings maps)
    {
        _ringFd = ringFd;
        _fd = ringFd.DangerousFd;
        _setupFlags = p.Flags;
        _maps = maps;
        Features = p.Features;
        InitSq(in p);
        InitCq(in p);
    }

    /// <summary>IORING_FEAT_* the kernel reported at setup.</summary>
    public uint Features { get; }

    /// <summary>IORING_SETUP_* the ring was created with.</summary>
    public uint SetupFlags => _setupFlags;

    /// <summary>Submission ring size (entries rounded up to a power of two by the kernel).</summary>
    public uint SqEntries => _sq.RingEntries;

    /// <summary>Completion ring size (twice <see cref="SqEntries"/> unless IORING_SETUP_CQSIZE).</summary>
    public uint CqEntries => _cq.RingEntries;

    /// <summary>The ring's descriptor, for diagnostics; owned by the ring.</summary>
    public int RingFd => _fd;

    /// <summary>
    /// Creates a ring of at least <paramref name="entries"/> SQEs. Throws
    /// <see cref="DirectIoException"/> when the kernel refuses (ENOSYS/EPERM: io_uring is
    /// unavailable or disabled, and the message points at the Sync engine) or the rings cannot
    /// be mapped; nothing is left open or mapped when it throws. With
    /// IORING_SETUP_SINGLE_ISSUER only the creating thread may submit (others get -EEXIST),
    /// and with IORING_SETUP_DEFER_TASKRUN only it may wait for completions too.
    /// </summary>
    /// <summary>
    /// io_uring_setup as an older kernel needs it: while <paramref name="create"/> fails with
    /// EINVAL, the next flag of <paramref name="optional"/> (newest first) that
    /// <paramref name="parameters"/> asks for is dropped, and <paramref name="refused"/> told its
    /// index. Flags not in the list were asked for by name and never fall back.
    /// </summary>
    public static IoUringRing CreateDroppingRefused(uint entries, IoUringParams parameters, ReadOnlySpan<uint> optional,
        Func<uint, IoUringParams, IoUringRing> create, Action<int>? refused = null)
    {
        for (int next = 0; ; next++)
        {
            while (next < optional.Length && (parameters.Flags & optional[next]) == 0)
            {
                next++;
            }
            if (next == optional.Length)
            {
                return create(entries, parameters);
            }
            try
            {
                return create(entries, parameters);
            }
            catch (DirectIoException e) when (e.Errno == Errno.EINVAL)
            {
                parameters.Flags &= ~optional[next];
                refused?.Invoke(next);
            }
        }
    }

    public static IoUringRing Create(uint entries, uint flags = 0)
    {
        IoUringParams p = default;
        p.Flags = flags;
        return Create(entries, in p);
    }

    /// <summary>As <see cref="Create(uint, uint)"/>, with every io_uring_params input (CqEntries, SqThreadIdle, ...).</summary>
    public static IoUringRing Create(uint entries, in IoUringParams parameters)
    {
        if ((parameters.Flags & UnsupportedSetupFlags) != 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(parameters),
                $"io_uring setup flags 0x{parameters.Flags & UnsupportedSetupFlags:x} (SQE128, CQE32, NO_MMAP, " +
                "REGISTERED_FD_ONLY) change the ring layout and are not supported by IoUringRing");
        }

        IoUringParams p = parameters;
        int fd = Interop.IoUringSetup(entries, ref p);
        if (fd < 0)
        {
            Errors.ThrowIoUringSetup((Errno)(-fd), entries, parameters.Flags);
        }

        var ringFd = new FileDescriptor(fd, ownsHandle: true);
        int res = RingMappings.Map(fd, in p, out RingMappings maps);
        if (res < 0)
        {
            ringFd.Dispose();
            Errors.Throw((Errno)(-res), "mmap of the io_uring rings", path: null);
        }

        return new IoUringRing(ringFd, in p, in maps);
    }

    /// <summary>Unmaps the rings and closes the descriptor; the kernel cancels whatever is still in flight.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        // Before the close: the thread's table holds a reference that would keep the ring
        // (and its registered buffers' pins) alive after it.
        _ = ReleaseRingFd();
        _maps.Unmap();
        _ringFd.Dispose();
        // Zeroed pointers turn a use after Dispose into a null dereference, never a write
        // into memory that has been unmapped and perhaps mapped again for something else.
        _sq = default;
        _cq = default;
        _maps = default;
    }

    private void InitSq(in IoUringParams p)
    {
        byte* ring = (byte*)_maps.SqRing;
        _sq._kHead = (uint*)(ring + p.SqOff.Head);
        _sq._kTail = (uint*)(ring + p.SqOff.Tail);
        _sq._kRingMask = (uint*)(ring + p.SqOff.RingMask);
        _sq._kRingEntries = (uint*)(ring + p.SqOff.RingEntries);
        _sq._kFlags = (uint*)(ring + p.SqOff.Flags);
        _sq._kDropped = (uint*)(ring + p.SqOff.Dropped);
        _sq.Sqes = (IoUringSqe*)_maps.Sqes;
        _sq.RingMask = *_sq._kRingMask;
        _sq.RingEntries = *_sq._kRingEntries;

        if ((p.Flags & Interop.IORING_SETUP_NO_SQARRAY) == 0)
        {
            // The kernel finds SQE i through array[i]; mapping every slot to itself once means
            // the SQE index is simply tail & mask from then on. The first tail store (a
            // release) publishes these plain stores with it.
            _sq._kArray = (uint*)(ring + p.SqOff.Array);
            for (uint i = 0; i < _sq.RingEntries; i++)
            {
                _sq._kArray[i] = i;
            }
        }
    }

    private void InitCq(in IoUringParams p)
    {
        byte* ring = (byte*)_maps.CqRing;
        _cq._kHead = (uint*)(ring + p.CqOff.Head);
        _cq._kTail = (uint*)(ring + p.CqOff.Tail);
        _cq._kRingMask = (uint*)(ring + p.CqOff.RingMask);
        _cq._kRingEntries = (uint*)(ring + p.CqOff.RingEntries);
        _cq._kOverflow = (uint*)(ring + p.CqOff.Overflow);
        _cq._kFlags = p.CqOff.Flags != 0 ? (uint*)(ring + p.CqOff.Flags) : null;
        _cq.Cqes = (IoUringCqe*)(ring + p.CqOff.Cqes);
        _cq.RingMask = *_cq._kRingMask;
        _cq.RingEntries = *_cq._kRingEntries;
    }

    /// <summary>Pointers into the submission ring mapping, and our side's cursors.</summary>
    private struct SubmissionQueue
    {
        public uint* _kHead;        // the kernel moves it past SQEs it has consumed
        public uint* _kTail;        // we move it to publish SQEs
        public uint* _kRingMask;
        public uint* _kRingEntries;
        public uint* _kFlags;       // IORING_SQ_NEED_WAKEUP, _CQ_OVERFLOW, _TASKRUN (kernel-set)
        public uint* _kDropped;     // SQEs the kernel skipped as invalid
        public uint* _kArray;       // null with IORING_SETUP_NO_SQARRAY
        public IoUringSqe* Sqes;
        public uint SqeHead;        // everything before it has been published to *_kTail
        public uint SqeTail;        // the next slot TryGetSqe hands out
        public uint RingMask;       // *_kRingMask, constant after setup
        public uint RingEntries;    // *_kRingEntries, constant after setup
    }

    /// <summary>Pointers into the completion ring mapping.</summary>
    private struct CompletionQueue
    {
        public uint* _kHead;        // we move it past CQEs we have consumed
        public uint* _kTail;        // the kernel moves it to publish CQEs
        public uint* _kRingMask;
        public uint* _kRingEntries;
        public uint* _kOverflow;    // CQEs lost to a full ring (kernels without IORING_FEAT_NODROP)
        public uint* _kFlags;
        public IoUringCqe* Cqes;
        public uint RingMask;
        public uint RingEntries;
    }

    /// <summary>The three mappings of a ring; the CQ ring is the SQ ring's with IORING_FEAT_SINGLE_MMAP.</summary>
    private struct RingMappings
    {
        public void* SqRing;
        public nuint SqRingSize;
        public void* CqRing;
        public nuint CqRingSize;
        public void* Sqes;
        public nuint SqesSize;

        /// <summary>Maps all three or none: on failure whatever was mapped is unmapped again.</summary>
        public static int Map(int fd, in IoUringParams p, out RingMappings maps)
        {
            maps = default;
            nuint sqSize = p.SqOff.Array + (p.SqEntries * (nuint)sizeof(uint));
            nuint cqSize = p.CqOff.Cqes + (p.CqEntries * (nuint)sizeof(IoUringCqe));
            bool single = (p.Features & Interop.IORING_FEAT_SINGLE_MMAP) != 0;
            if (single)
            {
                sqSize = cqSize = Math.Max(sqSize, cqSize);
            }

            int res = MapOne(fd, sqSize, Interop.IORING_OFF_SQ_RING, out maps.SqRing, out maps.SqRingSize);
            if (res == 0 && single)
            {
                maps.CqRing = maps.SqRing;
                maps.CqRingSize = maps.SqRingSize;
            }
            else if (res == 0)
            {
                res = MapOne(fd, cqSize, Interop.IORING_OFF_CQ_RING, out maps.CqRing, out maps.CqRingSize);
            }

            if (res == 0)
            {
                nuint sqesSize = p.SqEntries * (nuint)sizeof(IoUringSqe);
                res = MapOne(fd, sqesSize, Interop.IORING_OFF_SQES, out maps.Sqes, out maps.SqesSize);
            }

            if (res < 0)
            {
                maps.Unmap();
            }

            return res;
        }

        /// <summary>Unmaps what is mapped, SQEs first, in the reverse order of <see cref="Map"/>.</summary>
        public void Unmap()
        {
            if (Sqes != null)
            {
                _ = Interop.Munmap(Sqes, SqesSize);
            }

            if (CqRing != null && CqRing != SqRing)
            {
                _ = Interop.Munmap(CqRing, CqRingSize);
            }

            if (SqRing != null)
            {
                _ = Interop.Munmap(SqRing, SqRingSize);
            }

            this = default;
        }

        private static int MapOne(int fd, nuint size, long offset, out void* address, out nuint mappedSize)
        {
            int res = Interop.Mmap(size, Interop.PROT_READ | Interop.PROT_WRITE,
                Interop.MAP_SHARED | Interop.MAP_POPULATE, fd, offset, out address);
            mappedSize = res == 0 ? size : 0;
            return res;
        }
    }
}
