namespace PinIo;

/// <summary>How a file device moves data.</summary>
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
