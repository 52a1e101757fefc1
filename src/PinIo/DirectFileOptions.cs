// Follows open(2)'s flags for a file opened with O_DIRECT, and fio's engine options.
namespace PinIo;

/// <summary>
/// How <see cref="DirectFile.Open(string, DirectFileOptions?)"/> (or the
/// <see cref="Microsoft.Win32.SafeHandles.SafeFileHandle"/> overload) opens a file for Direct I/O:
/// the engine, the queue depth, what to create, and the ring's features. Every property has a
/// default that suits a first use; an object may be shared by several opens.
/// </summary>
public sealed class DirectFileOptions
{
    /// <summary>
    /// The engine that moves requests: <see cref="IoEngine.IoUring"/> (the default; falls back to
    /// <see cref="IoEngine.Sync"/> where io_uring is unavailable, ENOSYS or EPERM),
    /// <see cref="IoEngine.Libaio"/> (native AIO) or <see cref="IoEngine.Sync"/> (preadv2/pwritev2).
    /// </summary>
    public IoEngine Engine { get; init; } = IoEngine.IoUring;

    /// <summary>Requests in flight at once on the device.</summary>
    public int QueueDepth { get; init; } = 128;

    /// <summary>Create the file when it does not exist (O_CREAT). Ignored by the handle overload: the handle's file exists.</summary>
    public bool Create { get; init; }

    /// <summary>A created (or shorter) file is extended to this size (fallocate, else ftruncate); ignored when read-only.</summary>
    public long InitialSize { get; init; }

    /// <summary>
    /// Copy memory that does not fit the file's Direct I/O alignment through bounce pages
    /// instead of failing with EINVAL.
    /// </summary>
    public bool BounceMisalignedMemory { get; init; }

    /// <summary>
    /// Open for reading only (O_RDONLY): a write throws EBADF. The handle overload takes this from
    /// the handle's own access mode (a handle opened read-only is read-only whatever this says).
    /// </summary>
    public bool ReadOnly { get; init; }

    /// <summary>
    /// Worker threads of the <see cref="IoEngine.Sync"/> engine; 0 runs each request on the
    /// calling thread inside the call (as fio's psync), which suits one request at a time.
    /// </summary>
    public int SyncWorkers { get; init; } = 4;

    /// <summary>
    /// Every write is durable when it completes (O_DSYNC). A handle cannot gain O_DSYNC after it is
    /// opened (fcntl F_SETFL ignores it): the handle overload throws EINVAL when this is set and the
    /// handle was opened without it.
    /// </summary>
    public bool Dsync { get; init; }

    /// <summary>
    /// For <see cref="DirectFile.Open(Microsoft.Win32.SafeHandles.SafeFileHandle, DirectFileOptions?, bool)"/>:
    /// a handle opened without O_DIRECT gets it with fcntl(F_SETFL) instead of being refused with
    /// EINVAL. .NET's <see cref="System.IO.FileOptions"/> has no O_DIRECT, so a handle from
    /// <see cref="System.IO.File.OpenHandle"/> needs this. The flag stays set on the descriptor
    /// (it is the open file description's, shared with every duplicate of the handle).
    /// </summary>
    public bool SetDirect { get; init; }

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

    /// <summary>The device options these stand for.</summary>
    internal Devices.FileDeviceOptions ToDeviceOptions(bool? readOnly = null) => new()
    {
        Engine = Engine,
        QueueDepth = QueueDepth,
        Create = Create,
        InitialSize = InitialSize,
        ReadOnly = readOnly ?? ReadOnly,
        Dsync = Dsync,
        SyncWorkers = SyncWorkers,
        BufferPoolBytes = BufferPoolBytes,
        SubmissionPolling = SubmissionPolling,
        SubmissionPollIdleMs = SubmissionPollIdleMs,
        RegisterRingFd = RegisterRingFd,
        NoSqArray = NoSqArray,
        TaskRun = TaskRun,
        HugePagePool = HugePagePool,
    };
}
