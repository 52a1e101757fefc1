// Follows fs/direct-io.c (__blockdev_direct_IO, do_direct_IO, dio_refill_pages, dio_zero_block).
using PinIo.Block;
using PinIo.Iov;

namespace PinIo.Fs;

/// <summary>
/// The legacy Direct I/O path of a file, as <c>fs/direct-io.c</c> does it: pages are taken
/// from the iterator up to 64 at a time before their mapping is known (so a read of a hole
/// may pin a batch and release it), a <c>get_block</c> mapper is asked for runs of blocks,
/// bios are built run by run, holes read as zeroes written into the pages, and the parts of a
/// new or unwritten block a write does not cover are written from the zero page — pinned
/// with <see cref="Mm.Gup.PinUserPage"/> when the request's pages are pinned, so that a bio
/// never mixes pinned and unpinned pages. Same requests, results and end_io protocol as
/// <see cref="IomapDio"/>. Memory that needs bouncing goes through IomapDio's bounce rounds:
/// fs/direct-io.c has no bounce path of its own.
/// </summary>
public static partial class LegacyDirectIo
{
    /// <summary>
    /// fs/direct-io.c's __blockdev_direct_IO for a read: fills <paramref name="iter"/> from the file at byte <paramref name="offset"/>.
    /// Holes and unwritten extents read as zeroes written into pages already taken; mapped
    /// extents become bios (pins by iterator kind, dirtied before the unpin). Returns the bytes
    /// read, stopping at the file's size (0 at or past it), or the bytes before the first failure;
    /// the iterator has advanced by exactly that.
    /// Offsets and lengths are in bytes and must be multiples of the device's logical block
    /// (not of the file-system block); memory follows <see cref="DirectIo"/>'s rules. No page
    /// stays pinned on any path.
    /// </summary>
    /// <param name="inode">The file: its device, block size, size, mapper and end_io hook.</param>
    /// <param name="offset">Byte offset in the file, a multiple of the device's logical block size.</param>
    /// <param name="iter">The memory side; its count must be a multiple of the logical block size.</param>
    /// <param name="ct">Stops the walk between extents and bios; what was done is returned.</param>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: offset, length or memory
    /// misaligned (see <see cref="DirectIo"/>). <see cref="Errno.EFAULT"/>: a Discard iterator.
    /// <see cref="Errno.EIO"/> or the device's errno: the first bio failed before any byte was done.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before any byte moved.</exception>
    public static ValueTask<long> ReadAsync(IIomapInode inode, long offset, IovIter iter, CancellationToken ct = default) =>
        ReadAsync(inode, offset, iter, DirectIoFlags.None, ct);

    /// <summary>
    /// fs/direct-io.c's __blockdev_direct_IO for a write: stores <paramref name="iter"/> in the file at byte <paramref name="offset"/>,
    /// allocating holes as unwritten extents and zeroing the parts of new or unwritten file-system
    /// blocks the write does not cover. Once the data I/O has ended,
    /// <see cref="IIomapInode.DioEndIoAsync"/> runs once with the bytes done: only then are blocks
    /// converted to written and the size moved. Returns the bytes written, or the bytes before the
    /// first failure (from the start of a new or unwritten block); the iterator has advanced by
    /// exactly that. Durable only after a flush.
    /// Offsets and lengths are in bytes and must be multiples of the device's logical block
    /// (not of the file-system block); memory follows <see cref="DirectIo"/>'s rules. No page
    /// stays pinned on any path.
    /// </summary>
    /// <param name="inode">The file: its device, block size, size, mapper and end_io hook.</param>
    /// <param name="offset">Byte offset in the file, a multiple of the device's logical block size.</param>
    /// <param name="iter">The memory side; its count must be a multiple of the logical block size.</param>
    /// <param name="ct">Stops the walk between extents and bios; what was done is returned.</param>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: offset, length or memory
    /// misaligned (see <see cref="DirectIo"/>). <see cref="Errno.EFAULT"/>: a Discard iterator.
    /// <see cref="Errno.ENOSPC"/>: nothing could be allocated. <see cref="Errno.EFBIG"/>: past the largest file.
    /// <see cref="Errno.EIO"/> or the device's errno: the first bio failed before any byte was done.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before any byte moved.</exception>
    public static ValueTask<long> WriteAsync(IIomapInode inode, long offset, IovIter iter, CancellationToken ct = default) =>
        WriteAsync(inode, offset, iter, DirectIoFlags.None, ct);

    /// <summary>
    /// fs/direct-io.c's __blockdev_direct_IO for a read: fills <paramref name="iter"/> from the file at byte <paramref name="offset"/>.
    /// Holes and unwritten extents read as zeroes written into pages already taken; mapped
    /// extents become bios (pins by iterator kind, dirtied before the unpin). Returns the bytes
    /// read, stopping at the file's size (0 at or past it), or the bytes before the first failure;
    /// the iterator has advanced by exactly that.
    /// Offsets and lengths are in bytes and must be multiples of the device's logical block
    /// (not of the file-system block); memory follows <see cref="DirectIo"/>'s rules. No page
    /// stays pinned on any path.
    /// </summary>
    /// <param name="inode">The file: its device, block size, size, mapper and end_io hook.</param>
    /// <param name="offset">Byte offset in the file, a multiple of the device's logical block size.</param>
    /// <param name="iter">The memory side; its count must be a multiple of the logical block size.</param>
    /// <param name="flags"><see cref="DirectIoFlags.BounceMisaligned"/>, <see cref="DirectIoFlags.InlineCompletion"/>,
    /// or <see cref="DirectIoFlags.NoWait"/> to fail with EAGAIN instead of allocating or waiting.</param>
    /// <param name="ct">Stops the walk between extents and bios; what was done is returned.</param>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: offset, length or memory
    /// misaligned (see <see cref="DirectIo"/>). <see cref="Errno.EFAULT"/>: a Discard iterator.
    /// <see cref="Errno.EAGAIN"/>: with <see cref="DirectIoFlags.NoWait"/>, the request would allocate or wait.
    /// <see cref="Errno.EIO"/> or the device's errno: the first bio failed before any byte was done.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before any byte moved.</exception>
    public static ValueTask<long> ReadAsync(IIomapInode inode, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(inode);
        IBlockDevice device = inode.Device;
        // The walk pins the pages after this check: memory the GC could move is held still until then.
        UserMemoryHold hold = DirectIo.HoldWhereBounceDecides(iter, flags);
        try
        {
            if (DirectIo.CheckFileRequest(BioOp.Read, offset, iter, device.Limits, flags))
            {
                return IomapDio.ReadAsync(inode, offset, iter, flags, ct);
            }
            DirectIo.ThrowIfCanceled(BioOp.Read, offset, ct);
            long visible = inode.Size - offset;
            if (iter.Count == 0 || visible <= 0)
            {
                return new ValueTask<long>(0);
            }
            long reach = Math.Min(iter.Count, DioFileRange.AlignUp(visible, device.Limits.LogicalBlockSize));
            long hidden = iter.Count - reach;
            iter.Truncate(reach);
            ValueTask<long> io = ReadCoreAsync(inode, offset, iter, hidden, visible, flags, hold, ct);
            hold = default; // the walk's now
            return io;
        }
        finally
        {
            hold.Dispose();
        }
    }

    /// <summary>
    /// fs/direct-io.c's __blockdev_direct_IO for a write: stores <paramref name="iter"/> in the file at byte <paramref name="offset"/>,
    /// allocating holes as unwritten extents and zeroing the parts of new or unwritten file-system
    /// blocks the write does not cover. Once the data I/O has ended,
    /// <see cref="IIomapInode.DioEndIoAsync"/> runs once with the bytes done: only then are blocks
    /// converted to written and the size moved. Returns the bytes written, or the bytes before the
    /// first failure (from the start of a new or unwritten block); the iterator has advanced by
    /// exactly that. Durable only after a flush.
    /// Offsets and lengths are in bytes and must be multiples of the device's logical block
    /// (not of the file-system block); memory follows <see cref="DirectIo"/>'s rules. No page
    /// stays pinned on any path.
    /// </summary>
    /// <param name="inode">The file: its device, block size, size, mapper and end_io hook.</param>
    /// <param name="offset">Byte offset in the file, a multiple of the device's logical block size.</param>
    /// <param name="iter">The memory side; its count must be a multiple of the logical block size.</param>
    /// <param name="flags"><see cref="DirectIoFlags.BounceMisaligned"/>, <see cref="DirectIoFlags.InlineCompletion"/>,
    /// or <see cref="DirectIoFlags.NoWait"/> to fail with EAGAIN instead of allocating or waiting.</param>
    /// <param name="ct">Stops the walk between extents and bios; what was done is returned.</param>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: offset, length or memory
    /// misaligned (see <see cref="DirectIo"/>). <see cref="Errno.EFAULT"/>: a Discard iterator.
    /// <see cref="Errno.ENOSPC"/>: nothing could be allocated. <see cref="Errno.EFBIG"/>: past the largest file.
    /// <see cref="Errno.EAGAIN"/>: with <see cref="DirectIoFlags.NoWait"/>, the request would allocate or wait.
    /// <see cref="Errno.EIO"/> or the device's errno: the first bio failed before any byte was done.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before any byte moved.</exception>
    public static ValueTask<long> WriteAsync(IIomapInode inode, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(inode);
        UserMemoryHold hold = DirectIo.HoldWhereBounceDecides(iter, flags);
        try
        {
            if (DirectIo.CheckFileRequest(BioOp.Write, offset, iter, inode.Device.Limits, flags))
            {
                return IomapDio.WriteAsync(inode, offset, iter, flags, ct);
            }
            DirectIo.ThrowIfCanceled(BioOp.Write, offset, ct);
            if (iter.Count == 0)
            {
                return new ValueTask<long>(0);
            }
            ValueTask<long> io = WriteCoreAsync(inode, offset, iter, flags, hold, ct);
            hold = default; // the walk's now
            return io;
        }
        finally
        {
            hold.Dispose();
        }
    }

    /// <summary>The legacy walk of a read; <paramref name="hold"/> (the caller's memory held still since its check) is released once every bio is built.</summary>
    private static async ValueTask<long> ReadCoreAsync(IIomapInode inode, long offset, IovIter iter, long hidden, long reportLimit, DirectIoFlags flags, UserMemoryHold hold, CancellationToken ct)
    {
        long startConsumed = iter.Consumed;
        var walk = new LegacyDioWalk(inode, BioOp.Read, offset, iter, flags);
        long done = 0;
        try
        {
            Exception? failure = await RunHeldAsync(walk, hold, ct).ConfigureAwait(false);
            done = Math.Min(await walk.WaitAsync().ConfigureAwait(false), reportLimit);
            if (failure is not null && (done == 0 || !DioFileRange.IsRequestFailure(failure)))
            {
                done = 0;
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
            if (done == 0)
            {
                walk.ThrowFailure();
            }
        }
        finally
        {
            iter.Revert(iter.Consumed - startConsumed - done);
            iter.Reexpand(iter.Count + hidden);
        }
        return done;
    }

    /// <summary>The legacy walk of a write; <paramref name="hold"/> as for <see cref="ReadCoreAsync"/>.</summary>
    private static async ValueTask<long> WriteCoreAsync(IIomapInode inode, long offset, IovIter iter, DirectIoFlags flags, UserMemoryHold hold, CancellationToken ct)
    {
        long startConsumed = iter.Consumed;
        long requested = iter.Count;
        var walk = new LegacyDioWalk(inode, BioOp.Write, offset, iter, flags);
        Exception? failure = await RunHeldAsync(walk, hold, ct).ConfigureAwait(false);
        long done = await walk.WaitAsync().ConfigureAwait(false);
        if (failure is not null && !DioFileRange.IsRequestFailure(failure))
        {
            iter.Revert(iter.Consumed - startConsumed);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        iter.Revert(iter.Consumed - startConsumed - done);
        var range = new DioFileRange(offset, inode.BlockSize);
        range.NoteUnwritten(walk.AnyFresh);
        range.Advance(done);
        // Stopped early inside a new or unwritten block: nothing of that block may be converted.
        range.CutToBlockIf(done < requested && walk.IsFreshAt(offset + done), iter);
        failure ??= walk.FailureException();
        return await DioFileRange.EndIoAsync(inode, range, iter, failure, ct).ConfigureAwait(false);
    }

    /// <summary>Builds and submits every bio of the walk, then lets go of the memory hold: the bios' own pins keep it still from there.</summary>
    private static async ValueTask<Exception?> RunHeldAsync(LegacyDioWalk walk, UserMemoryHold hold, CancellationToken ct)
    {
        try
        {
            return await walk.RunAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            hold.Dispose();
        }
    }
}
