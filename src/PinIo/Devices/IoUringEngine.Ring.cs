// Follows liburing's setup.c and register.c (ring creation, registered files and buffers).
using System.Runtime.InteropServices;
using PinIo.Linux;
using PinIo.Mm;

namespace PinIo.Devices;

internal sealed unsafe partial class IoUringEngine
{
    // A registered buffer may not exceed 1 GiB (io_buffer_validate).
    private const long MaxRegisteredBuffer = 1L << 30;

    /// <summary>Runs on the ring thread: SINGLE_ISSUER makes the creating thread the only submitter.</summary>
    private void Setup()
    {
        uint entries = (uint)Math.Clamp(RoundUpPow2(_options.QueueDepth + 1), 2, MaxEntries);
        _ring = CreateRing(entries);
        // DEFER_TASKRUN posts completions only in an enter with GETEVENTS (an IOPOLL ring's would also poll the device).
        const uint PostsOnlyWhenAsked = Interop.IORING_SETUP_DEFER_TASKRUN | Interop.IORING_SETUP_IOPOLL;
        _postsOnCommit = (_ring.SetupFlags & PostsOnlyWhenAsked) == Interop.IORING_SETUP_DEFER_TASKRUN;
        if (!_polled)
        {
            RegisterRingFd();
        }
        _segmentsPerSlot = Math.Min(_device.Limits.MaxSegments, MaxSegmentsPerSlot);
        int slots = (int)_ring.SqEntries - (_polled ? 0 : 1); // one SQE stays for the eventfd read
        _slots = new Slot[slots];
        _freeSlots = new int[slots];
        for (int i = 0; i < slots; i++)
        {
            _freeSlots[i] = slots - 1 - i;
        }
        _freeCount = slots;
        _iovecs = (IoVec*)NativeMemory.AllocZeroed((nuint)(slots * _segmentsPerSlot), (nuint)sizeof(IoVec));
        RegisterFile();
        RegisterPool(_device.BufferPool);
        if (!_polled)
        {
            CreateEventFd();
            ArmWake();
        }
    }

    // What an older kernel refuses (EINVAL), newest first: each is dropped in turn, with a note.
    private static readonly (uint Flags, string Name)[] s_optionalSetup =
    [
        (Interop.IORING_SETUP_NO_SQARRAY, "IORING_SETUP_NO_SQARRAY (Linux 6.6)"),
        (Interop.IORING_SETUP_DEFER_TASKRUN, "IORING_SETUP_DEFER_TASKRUN (Linux 6.1)"),
        (Interop.IORING_SETUP_SINGLE_ISSUER | Interop.IORING_SETUP_R_DISABLED, "IORING_SETUP_SINGLE_ISSUER (Linux 6.0)"),
        (Interop.IORING_SETUP_COOP_TASKRUN | Interop.IORING_SETUP_TASKRUN_FLAG, "IORING_SETUP_COOP_TASKRUN (Linux 5.19)"),
    ];

    private static readonly uint[] s_optionalFlags = Array.ConvertAll(s_optionalSetup, optional => optional.Flags);

    /// <summary>
    /// Probe, then fall back, in one place: the optional flags are dropped one at a time,
    /// newest first, while the kernel says EINVAL, and each refusal is noted. A polled ring is
    /// made disabled, so that the thread that later enables it becomes its owner (an SQPOLL
    /// thread starts polling only then, too). The polling flags were asked for by name and
    /// never fall back: a kernel that refuses them throws.
    /// </summary>
    private IoUringRing CreateRing(uint entries)
    {
        IoUringParams p = PollingParams();
        p.Flags |= OptionalFlags();
        return IoUringRing.CreateDroppingRefused(entries, p, s_optionalFlags, CreateOrRefuse,
            refused => _notes.Add($"the kernel refused {s_optionalSetup[refused].Name} (EINVAL): the ring is made without it"));
    }

    private IoUringRing CreateOrRefuse(uint entries, IoUringParams p)
    {
        if ((p.Flags & _options.RefusedSetupFlags) != 0)
        {
            throw new DirectIoException(Errno.EINVAL, $"io_uring_setup refused flags 0x{p.Flags & _options.RefusedSetupFlags:x} (simulated)");
        }
        IoUringRing ring = IoUringRing.Create(entries, in p);
        _disabledAtSetup = (ring.SetupFlags & Interop.IORING_SETUP_R_DISABLED) != 0;
        return ring;
    }

    /// <summary>
    /// SINGLE_ISSUER, the task-run mode, and NO_SQARRAY, as the options ask. With SQPOLL the
    /// kernel thread submits and runs the completions' task work itself, and the kernel refuses
    /// DEFER_TASKRUN and COOP_TASKRUN beside it with EINVAL.
    /// </summary>
    private uint OptionalFlags()
    {
        uint flags = Interop.IORING_SETUP_SINGLE_ISSUER;
        if (!_options.SubmissionPolling)
        {
            flags |= _options.TaskRun switch
            {
                IoUringTaskRun.Deferred => Interop.IORING_SETUP_DEFER_TASKRUN,
                IoUringTaskRun.Cooperative => Interop.IORING_SETUP_COOP_TASKRUN | Interop.IORING_SETUP_TASKRUN_FLAG,
                _ => 0u,
            };
        }
        if (_polled)
        {
            flags |= Interop.IORING_SETUP_R_DISABLED;
        }
        if (_options.NoSqArray)
        {
            flags |= Interop.IORING_SETUP_NO_SQARRAY;
        }
        return flags;
    }

    /// <summary>
    /// On the owner thread: its io_uring_enter calls name the ring by its index in the thread's
    /// table (IORING_REGISTER_RING_FDS). A refusal leaves the descriptor in use, with a note.
    /// </summary>
    private void RegisterRingFd()
    {
        if (!_options.RegisterRingFd)
        {
            return;
        }
        int res = _options.RefuseRingFdRegistration ? -(int)Errno.EINVAL : _ring.RegisterRingFd();
        if (res < 0)
        {
            _notes.Add($"the kernel refused IORING_REGISTER_RING_FDS ({(Errno)(-res)}): the ring is entered by its descriptor");
        }
    }

    /// <summary>IORING_SETUP_SQPOLL with its idle time and CPU, and IORING_SETUP_IOPOLL, as the options ask.</summary>
    private IoUringParams PollingParams()
    {
        IoUringParams p = default;
        if (_options.SubmissionPolling)
        {
            p.Flags |= Interop.IORING_SETUP_SQPOLL;
            p.SqThreadIdle = (uint)_options.SubmissionPollIdleMs;
            if (_options.SubmissionPollCpu is int cpu)
            {
                p.Flags |= Interop.IORING_SETUP_SQ_AFF;
                p.SqThreadCpu = (uint)cpu;
            }
        }
        if (_options.CompletionPolling)
        {
            p.Flags |= Interop.IORING_SETUP_IOPOLL;
        }
        return p;
    }

    /// <summary>Every request on the device, read, write, fsync and discard alike, names file 0 with IOSQE_FIXED_FILE.</summary>
    private void RegisterFile()
    {
        int raw = _device.Descriptor.DangerousFd;
        int res = _ring.RegisterFiles([raw]);
        _fd = res == 0 ? 0 : raw;
        _fileFlags = res == 0 ? Interop.IOSQE_FIXED_FILE : (byte)0;
        if (res < 0)
        {
            _notes.Add($"the kernel refused to register the file ({(Errno)(-res)}): each request looks the descriptor up");
        }
    }

    /// <summary>
    /// The pool becomes fixed buffer 0. The kernel pins its pages once, long-term, here;
    /// failure (RLIMIT_MEMLOCK for a non-root user) leaves pool I/O on the pinned path.
    /// </summary>
    private void RegisterPool(PagePool? pool)
    {
        if (pool is null || pool.SizeBytes > MaxRegisteredBuffer)
        {
            return;
        }
        IoVec buffer = new(pool.BaseAddress, (nuint)pool.SizeBytes);
        int res = _ring.RegisterBuffers(new ReadOnlySpan<IoVec>(in buffer));
        if (res == 0)
        {
            _poolBase = pool.BaseAddress;
            _poolBytes = pool.SizeBytes;
        }
        else
        {
            _notes.Add($"the kernel refused to register the buffer pool ({(Errno)(-res)}): pool I/O is pinned per request");
        }
    }

    private void CreateEventFd()
    {
        int fd = Interop.EventFd(0, Interop.EFD_CLOEXEC);
        Errors.Check(fd, "eventfd");
        _eventFd = new FileDescriptor(fd, ownsHandle: true);
        _eventBuffer = (ulong*)NativeMemory.AllocZeroed((nuint)sizeof(ulong));
    }

    /// <summary>Keeps one 8-byte read of the eventfd in flight: a write from another thread completes it and wakes the owner.</summary>
    private void ArmWake()
    {
        IoUringSqe* sqe = NextSqe();
        IoUringRing.PrepRead(sqe, _eventFd.DangerousFd, (nint)_eventBuffer, sizeof(ulong), 0, WakeTag);
    }

    /// <summary>
    /// Closing the ring cancels the eventfd read; only then may its buffer go. Requests are
    /// all complete by now (the loop ends only when none is in flight). The ring thread leaves
    /// the eventfd itself open (<paramref name="closeWake"/> false): it may stop on seeing
    /// <c>_stopping</c> before Dispose's wake-up write reaches it, and Dispose closes it after the join.
    /// </summary>
    private void FreeResources(bool closeWake = true)
    {
        _ring?.Dispose();
        _freeCount = 0;
        if (closeWake)
        {
            _eventFd?.Dispose();
        }
        if (_eventBuffer is not null)
        {
            NativeMemory.Free(_eventBuffer);
            _eventBuffer = null;
        }
        if (_iovecs is not null)
        {
            NativeMemory.Free(_iovecs);
            _iovecs = null;
        }
    }

    private static int RoundUpPow2(int value) => value <= 1 ? 1 : 1 << (32 - int.LeadingZeroCount(value - 1));
}
