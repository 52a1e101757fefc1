// Follows fs/xfs/xfs_file.c (xfs_file_dio_read, xfs_file_dio_write: iomap_dio_rw with the file's ops).
using PinIo.Iov;

namespace PinIo.Fs;

public sealed partial class VolumeFile
{
    /// <summary>
    /// Direct read at <paramref name="offset"/> into <paramref name="iter"/>: offsets and
    /// lengths are multiples of the device's logical block; holes and unwritten blocks read
    /// as zeroes; nothing past <see cref="Length"/>. Returns the bytes read.
    /// </summary>
    public ValueTask<long> ReadAsync(long offset, IovIter iter, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        return IomapDio.ReadAsync(this, offset, iter, ct);
    }

    /// <summary>
    /// Direct write at <paramref name="offset"/> from <paramref name="iter"/>: allocates where
    /// the file has holes, zeroes the rest of any new block, and converts and moves the size
    /// only after the data is on the device. Durable at <see cref="FlushAsync"/>.
    /// </summary>
    public ValueTask<long> WriteAsync(long offset, IovIter iter, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        return IomapDio.WriteAsync(this, offset, iter, ct);
    }
}
