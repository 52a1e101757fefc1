namespace PinIo;

/// <summary>How a file device moves data.</summary>
public enum IoEngine
{
    /// <summary>io_uring: batched submission, completions reaped from the ring, registered buffers.</summary>
    IoUring,

    /// <summary>preadv2/pwritev2 from a few worker threads: works wherever io_uring is unavailable.</summary>
    Sync,
}
