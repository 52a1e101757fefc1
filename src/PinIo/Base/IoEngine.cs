namespace PinIo;

/// <summary>
/// How a file device moves data between its bios and the kernel (fio's ioengine). Every engine
/// sends the bio's own pages, no copy; they differ in how requests are submitted and reaped and
/// in who pins the memory.
/// </summary>
public enum IoEngine
{
    /// <summary>io_uring: batched submission, completions reaped from the ring, registered buffers.</summary>
    IoUring,

    /// <summary>preadv2/pwritev2 from a few worker threads: works wherever io_uring is unavailable.</summary>
    Sync,

    /// <summary>
    /// Linux native AIO (io_submit/io_getevents, fio's libaio): batched submission from one
    /// thread, no registered buffers, so the kernel pins every request's pages. No fallback:
    /// where native AIO is unavailable, opening fails.
    /// </summary>
    Libaio,
}
