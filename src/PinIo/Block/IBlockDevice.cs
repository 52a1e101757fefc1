// Follows include/linux/blkdev.h (submit_bio and the queue a bio is submitted to).
namespace PinIo.Block;

/// <summary>
/// A device that takes bios. <see cref="Submit"/> hands the bio over; the device ends it
/// exactly once, by calling <see cref="Bio.Complete(BlkStatus)"/> from any thread — possibly before
/// <see cref="Submit"/> returns. A bio the device cannot do is ended with an error status,
/// not thrown.
/// </summary>
public interface IBlockDevice : IDisposable
{
    /// <summary>
    /// What one bio may be (block size, sizes, segments, memory alignment). Constant for the
    /// device's life; submitters build bios within it and the device may fail a bio outside it.
    /// </summary>
    QueueLimits Limits { get; }

    /// <summary>
    /// Size of the device in bytes. Reads stop there (a short read) and a bio reaching past it
    /// fails; fixed for the device's life, except for an <see cref="IGrowableDevice"/>, which
    /// grows as writes past it complete. Readable from any thread.
    /// </summary>
    long Capacity { get; }

    /// <summary>
    /// submit_bio(): takes ownership of <paramref name="bio"/> until it completes. The device
    /// ends it exactly once with <see cref="Bio.Complete(BlkStatus)"/>, from any thread, possibly
    /// before <c>Submit</c> returns; failures of the I/O are reported as a status, not thrown
    /// (submitting to a disposed device is misuse: the library's devices throw
    /// <see cref="ObjectDisposedException"/> or end the bio with EBADF). The
    /// submitter must not touch the bio between <c>Submit</c> and <see cref="Bio.EndIo"/>, and
    /// releases its pages (<see cref="Bio.ReleasePages"/>) after completion, never the device.
    /// Thread-safe: many threads submit at once.
    /// </summary>
    void Submit(Bio bio);
}
