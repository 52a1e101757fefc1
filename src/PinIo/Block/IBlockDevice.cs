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
    QueueLimits Limits { get; }

    /// <summary>Size of the device in bytes.</summary>
    long Capacity { get; }

    void Submit(Bio bio);
}
