// Follows include/linux/iomap.h (struct iomap_ops, iomap_dio_ops) as a file system hands them to iomap.
using PinIo.Block;

namespace PinIo.Fs;

/// <summary>
/// What a file system hands the Direct I/O paths (<c>IomapDio</c> and <c>LegacyDirectIo</c>)
/// for one file: the device, the file-system block size, the size, a mapper and the end-of-I/O
/// hook. Implemented outside the project too: members added later come with default bodies.
/// </summary>
public interface IIomapInode
{
    /// <summary>The device the file's blocks live on.</summary>
    IBlockDevice Device { get; }

    /// <summary>The file-system block: the unit of allocation and of sub-block zeroing.</summary>
    int BlockSize { get; }

    /// <summary>The file's size in bytes (i_size): no read returns bytes at or past it.</summary>
    long Size { get; }

    /// <summary>
    /// Maps the file from <paramref name="offset"/> (iomap_begin): the extent that holds it,
    /// clipped to at most <paramref name="length"/> bytes. With <see cref="IomapIntent.Write"/> a
    /// hole is allocated and returned as <see cref="IomapType.Unwritten"/> with
    /// <see cref="IomapFlags.New"/>; its blocks become written only in
    /// <see cref="DioEndIoAsync"/>, after the data is on the device. With
    /// <see cref="IomapIntent.NoWait"/>, a call that would allocate or wait throws
    /// <see cref="DirectIoException"/> EAGAIN. Throws ENOSPC when nothing can be allocated.
    /// </summary>
    ValueTask<Iomap> IomapBeginAsync(long offset, long length, IomapIntent intent, CancellationToken ct);

    /// <summary>
    /// Called once per write request after its data I/O ended (iomap_dio_ops.end_io), with the
    /// bytes done from <paramref name="offset"/> (the bytes before the first failure):
    /// converts unwritten blocks in that range to written when <paramref name="unwritten"/>, and
    /// moves the size of an appending write. Nothing past <paramref name="bytesDone"/> changes.
    /// </summary>
    ValueTask DioEndIoAsync(long offset, long bytesDone, bool unwritten, CancellationToken ct);
}
