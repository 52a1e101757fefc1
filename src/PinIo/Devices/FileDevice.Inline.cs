// Follows block/fops.c (__blkdev_direct_IO_simple: a synchronous request runs on the caller's thread).
using PinIo.Block;

namespace PinIo.Devices;

public sealed partial class FileDevice
{
    private InlineDevice? _inline;

    /// <summary>
    /// The same device, its bios run by preadv2/pwritev2 on the submitting thread inside
    /// <see cref="IBlockDevice.Submit"/>, whatever the engine: for a caller that waits for its
    /// request anyway (DirectFile's synchronous Read and Write). A request on it completes before
    /// the submission returns, so nothing waits on a completion from another thread. It shares
    /// the device's descriptor, limits, size and closing: Dispose waits for a bio running here
    /// as for one entering the engine.
    /// <para>
    /// Why not the ring: the ring is single-issuer (only its owner thread may enter it), so a
    /// request from another thread either hops to the owner and back — two wake-ups, what a
    /// synchronous call waited for before — or needs a ring of its own per thread. For one request
    /// the caller waits for, preadv2 is what io_uring's own inline issue does, without the hop.
    /// The cost: pool memory, fixed buffers on the ring, is pinned by the kernel per request here.
    /// </para>
    /// </summary>
    internal IBlockDevice Inline => _inline ??= new InlineDevice(this);

    private sealed class InlineDevice(FileDevice device) : IGrowableDevice
    {
        private readonly SyncEngine _engine = new(device, workers: 0);

        public QueueLimits Limits => device.Limits;

        public long Capacity => device.Capacity;

        public long MaxCapacity => device.MaxCapacity;

        public void Submit(Bio bio)
        {
            ArgumentNullException.ThrowIfNull(bio);
            device.SubmitTo(_engine, bio);
        }

        /// <summary>The device owns the descriptor: disposing the view closes nothing.</summary>
        public void Dispose()
        {
        }
    }
}
