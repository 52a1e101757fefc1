// Follows fs/iomap/buffered-io.c (iomap_writepages: the file system's own iomap_begin maps the dirty range; the size is i_size already).
using PinIo.Block;

namespace PinIo.Fs;

/// <summary>
/// The file as the cache's own reads and writebacks hand it to <see cref="IomapDio"/>: the
/// file's mapper (allocating at writeback: delayed allocation), and an end_io that converts
/// unwritten blocks but never moves the size — a buffered write moved it already, and
/// writeback writes whole pages, whose bytes past the size are zeroes that are not the file's.
/// It bypasses the handle's Direct I/O coherence step (no recursion into the cache) and works
/// with no handle open (background writeback after every handle is closed).
/// </summary>
internal sealed class CacheIomapTarget(Volume volume, VolumeInode inode) : IIomapInode
{
    /// <summary>A handle that is never opened or closed (OpenCount stays): only its mapper and end_io are used.</summary>
    private VolumeFile Mapper { get; } = new(volume, inode);

    public IBlockDevice Device => volume.Device;

    public int BlockSize => volume.BlockSize;

    public long Size => inode.Size;

    public DioGate Gate => inode.Dio;

    public ValueTask<Iomap> IomapBeginAsync(long offset, long length, IomapIntent intent, CancellationToken ct) =>
        Mapper.IomapBeginCore(offset, length, intent, ct);

    public ValueTask DioEndIoAsync(long offset, long bytesDone, bool unwritten, CancellationToken ct) =>
        Mapper.ConvertWrittenAsync(offset, bytesDone, unwritten, ct);
}
