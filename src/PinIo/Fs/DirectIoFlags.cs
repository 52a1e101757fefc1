namespace PinIo.Fs;

/// <summary>Options of one Direct I/O request (the IOCB_* and blk-map choices a caller makes per request).</summary>
[Flags]
public enum DirectIoFlags
{
    /// <summary>Misaligned memory fails with EINVAL; the caller's continuation runs on the thread pool; a file request may wait.</summary>
    None = 0,

    /// <summary>
    /// Memory that does not fit the device's <c>DmaAlignment</c> is copied through pooled
    /// bounce pages (blk-map's copy path) instead of failing with EINVAL.
    /// </summary>
    BounceMisaligned = 1,

    /// <summary>
    /// The awaiting continuation runs on the thread that ends the last bio (a device's
    /// completion thread) instead of the thread pool. Faster; the continuation must not block.
    /// </summary>
    InlineCompletion = 2,

    /// <summary>
    /// IOCB_NOWAIT: on a file (IomapDio, LegacyDirectIo), fail with EAGAIN where the request
    /// would allocate blocks or wait for the file system, instead of doing so. Bios on a raw
    /// device never wait to be submitted, so DirectIo on a device has nothing to refuse.
    /// </summary>
    NoWait = 4,
}
