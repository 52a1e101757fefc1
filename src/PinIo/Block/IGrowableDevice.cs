// Follows fs/iomap/direct-io.c (writes past i_size extend the file; reads stop at it).
namespace PinIo.Block;

/// <summary>
/// A device whose <see cref="IBlockDevice.Capacity"/> is a file's size: reads stop there, and
/// writes may go past it (up to <see cref="MaxCapacity"/>), extending it.
/// </summary>
public interface IGrowableDevice : IBlockDevice
{
    /// <summary>The largest size the device may grow to.</summary>
    long MaxCapacity { get; }
}
