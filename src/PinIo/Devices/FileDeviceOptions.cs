namespace PinIo.Devices;

public sealed record FileDeviceOptions
{
    public IoEngine Engine { get; init; } = IoEngine.IoUring;

    /// <summary>Requests in flight at once (io_uring ring entries; a power of two is used).</summary>
    public int QueueDepth { get; init; } = 128;

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
    /// (<see cref="FileDevice.BufferPool"/>); 0 for none. I/O from this memory needs no
    /// per-request kernel pin.
    /// </summary>
    public long BufferPoolBytes { get; init; } = 16L << 20;

    /// <summary>
    /// io_uring without a completion thread: the first thread that submits or polls owns the
    /// ring, and requests complete only inside <see cref="FileDevice.Poll"/> on that thread —
    /// one io_uring_enter submits the batch and reaps, as fio's job loop does. For
    /// thread-per-core designs; other threads' submissions wait for the owner's next poll.
    /// </summary>
    public bool PolledCompletions { get; init; }

    /// <summary>
    /// While the io_uring engine ends a batch of completions, requests queued by inline
    /// continuations go out as soon as this many wait (fio's iodepth_batch_submit; 1 = each at
    /// once). Larger batches cost fewer syscalls but leave the device idle longer.
    /// </summary>
    public int SubmitBatch { get; init; } = 1;
}
