namespace PinIo.Devices;

/// <summary>How <see cref="FileDevice.Open(string, FileDeviceOptions?)"/> opens a file or block device and which engine moves its data.</summary>
public sealed record FileDeviceOptions
{
    /// <summary>
    /// The engine: <see cref="IoEngine.IoUring"/> (the default; falls back to
    /// <see cref="IoEngine.Sync"/> where io_uring is unavailable and nothing only io_uring has was
    /// asked for), <see cref="IoEngine.Sync"/> or <see cref="IoEngine.Libaio"/> (no fallback).
    /// </summary>
    public IoEngine Engine { get; init; } = IoEngine.IoUring;

    /// <summary>Requests in flight at once (io_uring ring entries, a power of two is used; libaio: the AIO context's events).</summary>
    public int QueueDepth { get; init; } = 128;

    /// <summary>Open O_RDONLY: a read-only mount or device opens, and write bios fail with EBADF.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Create the file if it does not exist.</summary>
    public bool Create { get; init; }

    /// <summary>A created (or shorter) regular file is extended to this size.</summary>
    public long InitialSize { get; init; }

    /// <summary>Open with O_DIRECT (the point of PinIo); off only to compare with buffered I/O.</summary>
    public bool Direct { get; init; } = true;

    /// <summary>Open with O_DSYNC: every write is durable when it completes.</summary>
    public bool Dsync { get; init; }

    /// <summary>
    /// Worker threads of the <see cref="IoEngine.Sync"/> engine; 0 runs each request inside
    /// <see cref="FileDevice.Submit"/> on the caller's thread, as fio's psync does.
    /// </summary>
    public int SyncWorkers { get; init; } = 4;

    /// <summary>
    /// Bytes of <see cref="Mm.PagePool"/> memory registered with the ring as fixed buffers
    /// (<see cref="FileDevice.BufferPool"/>); 0 for none, at most <see cref="MaxBufferPoolBytes"/>,
    /// rounded up to whole pages. I/O from this memory needs no per-request kernel pin.
    /// </summary>
    public long BufferPoolBytes { get; init; } = 16L << 20;

    /// <summary>
    /// io_uring without a completion thread: the first thread that submits or polls owns the
    /// ring, and requests complete only inside <see cref="FileDevice.Poll(int)"/> on that thread —
    /// one io_uring_enter submits the batch and reaps, as fio's job loop does. For
    /// thread-per-core designs; other threads' submissions wait for the owner's next poll.
    /// </summary>
    public bool PolledCompletions { get; init; }

    /// <summary>
    /// While the io_uring or libaio engine ends a batch of completions, requests queued by inline
    /// continuations go out as soon as this many wait (fio's iodepth_batch_submit; 1 = each at
    /// once). Larger batches cost fewer syscalls but leave the device idle longer.
    /// </summary>
    public int SubmitBatch { get; init; } = 1;

    /// <summary>
    /// io_uring with a kernel submission thread (IORING_SETUP_SQPOLL, fio's sqthread_poll): the
    /// thread takes requests off the ring as they are published, so submitting costs no system
    /// call while it is awake. After <see cref="SubmissionPollIdleMs"/> without work it sleeps,
    /// and the next submission wakes it with one io_uring_enter. Waiting for completions still
    /// enters the kernel. The thread keeps a CPU busy while awake. Unprivileged processes need
    /// Linux 5.11 (before, CAP_SYS_ADMIN); a refusal throws <see cref="DirectIoException"/>
    /// (EPERM) rather than fall back.
    /// </summary>
    public bool SubmissionPolling { get; init; }

    /// <summary>
    /// Milliseconds the submission thread polls without work before it sleeps (sq_thread_idle);
    /// 1000 is the kernel's own default (0 asks for it too).
    /// </summary>
    public int SubmissionPollIdleMs { get; init; } = 1000;

    /// <summary>
    /// The CPU the submission thread is bound to (IORING_SETUP_SQ_AFF, fio's sqthread_poll_cpu);
    /// null lets the scheduler place it. Needs <see cref="SubmissionPolling"/>.
    /// </summary>
    public int? SubmissionPollCpu { get; init; }

    /// <summary>
    /// Completions found by polling the device's queue instead of by interrupt
    /// (IORING_SETUP_IOPOLL, fio's hipri). The kernel polls only inside io_uring_enter, which
    /// <see cref="FileDevice.Poll(int)"/> calls: this needs <see cref="PolledCompletions"/> and
    /// <see cref="Direct"/>. Only a block device with poll queues supports it (NVMe with
    /// nvme.poll_queues, null_blk with poll_queues), directly or under a file system. Anywhere
    /// else the requests that reach the device fail with EOPNOTSUPP and a message that says to
    /// turn this off (ext4 over virtio-blk fails reads of written data and lets writes through;
    /// a loop device fails both). A flush runs as fdatasync on the polling thread, since an
    /// IOPOLL ring refuses IORING_OP_FSYNC.
    /// </summary>
    public bool CompletionPolling { get; init; }

    /// <summary>
    /// A polled ring's reap (<see cref="FileDevice.Poll(int)"/> with a wait): microseconds the owner
    /// keeps looking for completions — entering the kernel without a wait, which runs the
    /// deferred completion work and sleeps never — before it sleeps in io_uring_enter. A
    /// completion that arrives from another CPU (an io-wq worker, a loop device's kworker)
    /// within that time is then found without the sleep, the wake-up from the other CPU and
    /// the idle CPU's exit; one that does not costs this much CPU. 0 (the default) sleeps at
    /// once, as fio's getevents does. Ignored without <see cref="PolledCompletions"/>.
    /// </summary>
    public int ReapSpinMicroseconds { get; init; }

    /// <summary>Largest <see cref="ReapSpinMicroseconds"/>: one second.</summary>
    public const int MaxReapSpinMicroseconds = 1_000_000;

    /// <summary>
    /// io_uring: the ring's owner thread registers the ring's descriptor with the kernel
    /// (IORING_REGISTER_RING_FDS, Linux 5.18) and enters it by index, so no io_uring_enter looks
    /// the descriptor up or counts a reference on it. A kernel that refuses leaves the ring
    /// entered by descriptor (<see cref="FileDevice.EngineDescription"/> says why). Off only to
    /// measure what it saves.
    /// </summary>
    public bool RegisterRingFd { get; init; } = true;

    /// <summary>
    /// <see cref="RegisterRingFd"/> for a polled ring (<see cref="PolledCompletions"/>), whose
    /// owner is the first thread that submits or polls. The kernel keeps registered rings per
    /// thread: a ring registered with a thread that does not dispose the device stays alive —
    /// its registered buffers pinned — until that thread exits. Set this when the polling thread
    /// disposes the device or exits when done (pinio's job threads do); off by default, so a
    /// ring polled from a thread-pool thread and disposed elsewhere is freed at its dispose.
    /// </summary>
    public bool PolledOwnerRegistersRingFd { get; init; }

    /// <summary>
    /// io_uring: the ring is made without the SQ index array (IORING_SETUP_NO_SQARRAY, Linux
    /// 6.6): the kernel takes SQEs in ring order with no indirection to read. A kernel that
    /// refuses it gets the array. Off only to measure what it saves.
    /// </summary>
    public bool NoSqArray { get; init; } = true;

    /// <summary>
    /// io_uring: when the kernel runs the completions' task work (<see cref="IoUringTaskRun"/>).
    /// Deferred (the default) leaves it for the owner's next wait; refused flags fall back in
    /// turn, newest first. With <see cref="SubmissionPolling"/> the kernel thread runs it and
    /// this is ignored.
    /// </summary>
    public IoUringTaskRun TaskRun { get; init; } = IoUringTaskRun.Deferred;

    /// <summary>
    /// <see cref="BufferPoolBytes"/> in 2 MiB pages: from the hugetlb pool when vm.nr_hugepages
    /// has enough free, else advised for transparent huge pages, else 4 KiB pages. The kernel
    /// then registers a few large folios rather than thousands of pages, and a large request
    /// from the pool is one segment. Off only to measure what it saves.
    /// </summary>
    public bool HugePagePool { get; init; } = true;

    /// <summary>Tests: io_uring_setup fails with EINVAL whenever any of these IORING_SETUP_* flags is asked for, as an older kernel would.</summary>
    internal uint RefusedSetupFlags { get; init; }

    /// <summary>Tests: IORING_REGISTER_RING_FDS fails with EINVAL, as before Linux 5.18.</summary>
    internal bool RefuseRingFdRegistration { get; init; }

    /// <summary>Most requests in flight on one device: an io_uring ring has at most 4096 entries, one kept for the engine's wake-up read.</summary>
    public const int MaxQueueDepth = 4095;

    /// <summary>Most <see cref="SyncWorkers"/> threads (requests in flight on the sync engine).</summary>
    public const int MaxSyncWorkers = 1024;

    /// <summary>Largest <see cref="BufferPoolBytes"/>: a pool holds at most <see cref="Mm.PagePool.MaxPageCount"/> 4 KiB pages.</summary>
    public const long MaxBufferPoolBytes = (long)Mm.PagePool.MaxPageCount << Mm.PageSize.Shift;

    /// <summary>Largest <see cref="InitialSize"/>: Linux's largest file offset, whole pages.</summary>
    public const long MaxInitialSize = long.MaxValue & ~(long)Mm.PageSize.OffsetMask;

    /// <summary>Refuses values and combinations that cannot work, before anything is opened; each message says what to change.</summary>
    internal void Validate()
    {
        CheckSizes();
        CheckCombinations();
    }

    /// <summary>Every size and count: an impossible one names the option and its limit, never wraps or clamps silently.</summary>
    private void CheckSizes()
    {
        RequireRange(QueueDepth, 1, MaxQueueDepth, nameof(QueueDepth), "requests in flight");
        RequireRange(SyncWorkers, 0, MaxSyncWorkers, nameof(SyncWorkers), "worker threads (0 runs each request on the calling thread)");
        RequireRange(BufferPoolBytes, 0, MaxBufferPoolBytes, nameof(BufferPoolBytes), "bytes of registered pool memory (0 for none)");
        RequireRange(InitialSize, 0, MaxInitialSize, nameof(InitialSize), "bytes");
        RequireRange(SubmitBatch, 1, int.MaxValue, nameof(SubmitBatch), "requests per submission");
        RequireRange(SubmissionPollIdleMs, 0, int.MaxValue, nameof(SubmissionPollIdleMs), "milliseconds (0 for the kernel's default)");
        RequireRange(ReapSpinMicroseconds, 0, MaxReapSpinMicroseconds, nameof(ReapSpinMicroseconds), "microseconds (0 sleeps at once)");
    }

    private static void RequireRange(long value, long min, long max, string option, string unit)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(option, value, $"{option} must be from {min} to {max} {unit}; it was {value}.");
        }
    }

    private void CheckCombinations()
    {
        if ((SubmissionPolling || CompletionPolling) && Engine != IoEngine.IoUring)
        {
            throw new ArgumentException("SubmissionPolling and CompletionPolling are io_uring ring settings: use Engine = IoEngine.IoUring, or turn them off");
        }
        if (SubmissionPollCpu is int cpu)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(cpu, nameof(SubmissionPollCpu));
            if (!SubmissionPolling)
            {
                throw new ArgumentException("SubmissionPollCpu places the kernel submission thread: set SubmissionPolling = true, or leave SubmissionPollCpu null");
            }
        }
        if (CompletionPolling && !PolledCompletions)
        {
            throw new ArgumentException("CompletionPolling (IORING_SETUP_IOPOLL, fio's hipri) finds completions only inside io_uring_enter, " +
                "and a completion thread sleeps on an eventfd read that an IOPOLL ring cannot do: set PolledCompletions = true " +
                "and reap with FileDevice.Poll, or turn CompletionPolling off");
        }
        if (CompletionPolling && !Direct)
        {
            throw new ArgumentException("CompletionPolling polls direct I/O only (an IOPOLL ring refuses buffered reads and writes): " +
                "set Direct = true, or turn CompletionPolling off");
        }
    }
}
