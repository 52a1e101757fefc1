namespace PinIo;

public sealed class DirectFileOptions
{
    public IoEngine Engine { get; init; } = IoEngine.IoUring;

    /// <summary>Requests in flight at once on the device.</summary>
    public int QueueDepth { get; init; } = 128;

    /// <summary>Create the file when it does not exist.</summary>
    public bool Create { get; init; }

    /// <summary>A created (or shorter) file is extended to this size.</summary>
    public long InitialSize { get; init; }

    /// <summary>
    /// Copy memory that does not fit the file's Direct I/O alignment through bounce pages
    /// instead of failing with EINVAL.
    /// </summary>
    public bool BounceMisalignedMemory { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>
    /// Worker threads of the <see cref="IoEngine.Sync"/> engine; 0 runs each request on the
    /// calling thread inside the call (as fio's psync), which suits one request at a time.
    /// </summary>
    public int SyncWorkers { get; init; } = 4;

    /// <summary>Every write is durable when it completes (O_DSYNC).</summary>
    public bool Dsync { get; init; }

    /// <summary>Bytes of registered pool memory behind <see cref="DirectFile.AllocateBuffer"/>.</summary>
    public long BufferPoolBytes { get; init; } = 16L << 20;

    /// <summary>
    /// Run the awaiting continuation on the engine's completion thread instead of the thread
    /// pool: faster, but the continuation must not block.
    /// </summary>
    public bool InlineCompletions { get; init; }

    /// <summary>
    /// A kernel thread polls the submission queue (IORING_SETUP_SQPOLL, fio's sqthread_poll):
    /// requests go out without a system call while it is awake. See
    /// <see cref="Devices.FileDeviceOptions.SubmissionPolling"/>.
    /// </summary>
    public bool SubmissionPolling { get; init; }

    /// <summary>Milliseconds without work before the polling thread sleeps (woken by the next request).</summary>
    public int SubmissionPollIdleMs { get; init; } = 1000;

    /// <summary>io_uring: the ring's descriptor registered with its owner thread (IORING_REGISTER_RING_FDS). See <see cref="Devices.FileDeviceOptions.RegisterRingFd"/>.</summary>
    public bool RegisterRingFd { get; init; } = true;

    /// <summary>io_uring: no SQ index array (IORING_SETUP_NO_SQARRAY). See <see cref="Devices.FileDeviceOptions.NoSqArray"/>.</summary>
    public bool NoSqArray { get; init; } = true;

    /// <summary>io_uring: when completions' task work runs. See <see cref="Devices.FileDeviceOptions.TaskRun"/>.</summary>
    public Devices.IoUringTaskRun TaskRun { get; init; } = Devices.IoUringTaskRun.Deferred;

    /// <summary><see cref="BufferPoolBytes"/> in 2 MiB pages where the system has them. See <see cref="Devices.FileDeviceOptions.HugePagePool"/>.</summary>
    public bool HugePagePool { get; init; } = true;
}
