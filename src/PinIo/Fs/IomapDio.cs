// Follows fs/iomap/direct-io.c (__iomap_dio_rw, iomap_dio_iter, iomap_dio_bio_iter, iomap_dio_hole_iter).
using System.Runtime.CompilerServices;
using PinIo.Block;
using PinIo.Iov;

namespace PinIo.Fs;

/// <summary>
/// Direct I/O on a file: walks the file's mapping (<see cref="IIomapInode.IomapBeginAsync"/>)
/// extent by extent. Holes and unwritten extents read as zeroes copied into the iterator — no
/// page is taken; mapped extents become bios through <see cref="DirectIo"/> (pins by iterator
/// kind, homogeneous bios). A write may allocate; the parts of a new or unwritten file-system
/// block it does not cover are zeroed on the device; once its data I/O has ended,
/// <see cref="IIomapInode.DioEndIoAsync"/> runs once with the bytes done, and only there are
/// unwritten blocks converted and the size moved. Offsets and lengths must be multiples of the
/// device's logical block; memory follows <see cref="DirectIo"/>'s rules. Returns the bytes
/// done: a read stops at the file's size; a request that fails part way reports the bytes
/// before the first failure (for a new or unwritten block, from the start of that block, so
/// that no block is converted with bytes the device never got). The iterator advances by
/// exactly the bytes reported.
/// </summary>
public static partial class IomapDio
{
    /// <summary>
    /// fs/iomap/direct-io.c's iomap_dio_rw for a read: fills <paramref name="iter"/> from the file at byte <paramref name="offset"/>.
    /// Holes and unwritten extents read as zeroes without taking a page; mapped
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
    /// fs/iomap/direct-io.c's iomap_dio_rw for a write: stores <paramref name="iter"/> in the file at byte <paramref name="offset"/>,
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
    /// fs/iomap/direct-io.c's iomap_dio_rw for a read: fills <paramref name="iter"/> from the file at byte <paramref name="offset"/>.
    /// Holes and unwritten extents read as zeroes without taking a page; mapped
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
    public static ValueTask<long> ReadAsync(IIomapInode inode, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct = default) =>
        ReadAsync(inode, offset, iter, flags, completionHook: null, out _, ct);

    /// <summary>
    /// fs/iomap/direct-io.c's iomap_dio_rw for a write: stores <paramref name="iter"/> in the file at byte <paramref name="offset"/>,
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
    public static ValueTask<long> WriteAsync(IIomapInode inode, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct = default) =>
        WriteAsync(inode, offset, iter, flags, completionHook: null, out _, ct);

    /// <summary>
    /// A read whose one-extent fast path may carry <paramref name="completionHook"/> into the
    /// block layer (<paramref name="hookTaken"/>: it then runs once when the request ends, and
    /// the caller must not run it); other paths leave it to the caller.
    /// </summary>
    internal static ValueTask<long> ReadAsync(IIomapInode inode, long offset, IovIter iter, DirectIoFlags flags, IDioCompletionHook? completionHook, out bool hookTaken, CancellationToken ct)
    {
        hookTaken = false;
        ArgumentNullException.ThrowIfNull(inode);
        IBlockDevice device = inode.Device;
        bool bounce = DirectIo.CheckFileRequest(BioOp.Read, offset, iter, device.Limits, flags);
        DirectIo.ThrowIfCanceled(BioOp.Read, offset, ct);
        long visible = inode.Size - offset;
        if (iter.Count == 0 || visible <= 0)
        {
            return new ValueTask<long>(0);
        }
        // The block holding the end of the file is read whole; only the bytes before it are reported.
        long reach = visible >= iter.Count ? iter.Count : Math.Min(iter.Count, DioFileRange.AlignUp(visible, device.Limits.LogicalBlockSize));
        long hidden = iter.Count - reach;
        iter.Truncate(reach);
        IomapIntent intent = DioFileRange.IntentOf(IomapIntent.Read, flags);
        // Consumed once: its Result when it completed at once (a cached mapping), else awaited below.
#pragma warning disable CA2012
        ValueTask<Iomap> first;
        try
        {
            first = inode.IomapBeginAsync(offset, reach, intent, ct);
        }
#pragma warning restore CA2012
        catch
        {
            iter.Reexpand(iter.Count + hidden);
            throw;
        }
        if (hidden == 0 && visible >= reach && first.IsCompletedSuccessfully && first.Result is { Type: IomapType.Mapped } map && map.Offset <= offset && map.End >= offset + reach)
        {
            // The common case, one mapped extent: straight to the block layer, nothing in between.
            if (completionHook is not null && !bounce)
            {
                ValueTask<long> io = DirectIo.TransferMappedAsync(device, BioOp.Read, map.DeviceOffsetOf(offset), iter, flags, completionHook, ct);
                hookTaken = true;
                return io;
            }
            return DirectIo.TransferAsync(device, BioOp.Read, map.DeviceOffsetOf(offset), iter, bounce, flags, ct);
        }
        return ReadExtentsAsync(inode, offset, iter, first, hidden, visible, bounce, flags, ct);
    }

    /// <summary>
    /// A write whose overwrite of one mapped extent inside the size may carry
    /// <paramref name="completionHook"/> into the block layer in place of end_io
    /// (<paramref name="hookTaken"/>): the caller's inode has nothing to convert or log for such
    /// a write (XFS's end_io for a pure overwrite), and its hook runs once when it ends.
    /// </summary>
    internal static ValueTask<long> WriteAsync(IIomapInode inode, long offset, IovIter iter, DirectIoFlags flags, IDioCompletionHook? completionHook, out bool hookTaken, CancellationToken ct)
    {
        hookTaken = false;
        ArgumentNullException.ThrowIfNull(inode);
        IBlockDevice device = inode.Device;
        bool bounce = DirectIo.CheckFileRequest(BioOp.Write, offset, iter, device.Limits, flags);
        DirectIo.ThrowIfCanceled(BioOp.Write, offset, ct);
        if (iter.Count == 0)
        {
            return new ValueTask<long>(0);
        }
        // As for a read: consumed once, its Result here or awaited by WriteExtentsAsync.
#pragma warning disable CA2012
        ValueTask<Iomap> first;
        try
        {
            first = inode.IomapBeginAsync(offset, iter.Count, DioFileRange.IntentOf(IomapIntent.Write, flags), ct);
        }
        catch (Exception e) when (DioFileRange.IsRequestFailure(e))
        {
            // end_io still runs once (with nothing done) before the failure is thrown.
            first = ValueTask.FromException<Iomap>(e);
        }
#pragma warning restore CA2012
        if (first.IsCompletedSuccessfully && first.Result is { Type: IomapType.Mapped, Flags: IomapFlags.None } map && map.Offset <= offset && map.End >= offset + iter.Count)
        {
            if (completionHook is not null && !bounce && offset + iter.Count <= inode.Size)
            {
                ValueTask<long> io = DirectIo.TransferMappedAsync(device, BioOp.Write, map.DeviceOffsetOf(offset), iter, flags, completionHook, ct);
                hookTaken = true;
                return io;
            }
            return OverwriteMapped(inode, map.DeviceOffsetOf(offset), offset, iter, bounce, flags, ct);
        }
        return WriteExtentsAsync(inode, offset, iter, first, bounce, flags, ct);
    }

    /// <summary>
    /// The common case, an overwrite of one mapped extent: straight to the block layer, then
    /// end_io (nothing to convert); no state machine when both complete at once. As the
    /// kernel's IOMAP_DIO_INLINE_COMP, the caller's inline completion is kept only when the
    /// write does not move the size: end_io then has nothing to log and never blocks.
    /// </summary>
    private static ValueTask<long> OverwriteMapped(IIomapInode inode, long deviceOffset, long offset, IovIter iter, bool bounce, DirectIoFlags flags, CancellationToken ct)
    {
        if (offset + iter.Count > inode.Size)
        {
            flags &= ~DirectIoFlags.InlineCompletion;
        }
        ValueTask<long> io;
        try
        {
            io = DirectIo.TransferAsync(inode.Device, BioOp.Write, deviceOffset, iter, bounce, flags, ct);
        }
        catch (Exception e) when (DioFileRange.IsRequestFailure(e))
        {
            io = ValueTask.FromException<long>(e);
        }
        if (!io.IsCompletedSuccessfully)
        {
            return FinishOverwriteAsync(inode, offset, iter, io, ct);
        }
        long done = io.Result;
        ValueTask endIo = inode.DioEndIoAsync(offset, done, unwritten: false, CancellationToken.None);
        return endIo.IsCompletedSuccessfully ? new ValueTask<long>(done) : AwaitEndIoAsync(endIo, done, iter);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> FinishOverwriteAsync(IIomapInode inode, long offset, IovIter iter, ValueTask<long> io, CancellationToken ct)
    {
        var range = new DioFileRange(offset, inode.BlockSize);
        Exception? failure = null;
        try
        {
            range.Advance(await io.ConfigureAwait(false));
        }
        catch (Exception e) when (DioFileRange.IsRequestFailure(e))
        {
            failure = e;
        }
        return await DioFileRange.EndIoAsync(inode, range, iter, failure, ct).ConfigureAwait(false);
    }

    private static async ValueTask<long> AwaitEndIoAsync(ValueTask endIo, long done, IovIter iter)
    {
        try
        {
            await endIo.ConfigureAwait(false);
        }
        catch
        {
            iter.Revert(done);
            throw;
        }
        return done;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> ReadExtentsAsync(IIomapInode inode, long offset, IovIter iter, ValueTask<Iomap> first, long hidden, long reportLimit, bool bounce, DirectIoFlags flags, CancellationToken ct)
    {
        IomapIntent intent = DioFileRange.IntentOf(IomapIntent.Read, flags);
        long done = 0;
        try
        {
            Iomap map = await first.ConfigureAwait(false);
            while (true)
            {
                long pos = offset + done;
                long chunk = DioFileRange.ChunkOf(map, pos, iter.Count);
                long n = map.Type == IomapType.Mapped
                    ? await TransferChunkAsync(inode.Device, BioOp.Read, map.DeviceOffsetOf(pos), iter, chunk, bounce, flags, ct).ConfigureAwait(false)
                    : DioZeroPage.CopyToIter(iter, chunk);
                done += n;
                if (n < chunk || iter.Count == 0 || ct.IsCancellationRequested)
                {
                    break;
                }
                map = await inode.IomapBeginAsync(offset + done, iter.Count, intent, ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (done > 0 && DioFileRange.IsRequestFailure(e))
        {
            // Linux reports the bytes done before the first failure.
        }
        finally
        {
            if (done > reportLimit)
            {
                iter.Revert(done - reportLimit);
                done = reportLimit;
            }
            iter.Reexpand(iter.Count + hidden);
        }
        return done;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> WriteExtentsAsync(IIomapInode inode, long offset, IovIter iter, ValueTask<Iomap> first, bool bounce, DirectIoFlags flags, CancellationToken ct)
    {
        // Never inline: after every chunk come zeroing, the next mapping or end_io, any of which may wait.
        flags &= ~DirectIoFlags.InlineCompletion;
        IomapIntent intent = DioFileRange.IntentOf(IomapIntent.Write, flags);
        IBlockDevice device = inode.Device;
        var range = new DioFileRange(offset, inode.BlockSize);
        Exception? failure = null;
        try
        {
            Iomap map = await first.ConfigureAwait(false);
            while (true)
            {
                long pos = range.End;
                long chunk = DioFileRange.ChunkOf(map, pos, iter.Count);
                bool fresh = range.NoteWriteExtent(map, pos);
                // iomap_dio_zero() before: the block's bytes in front of the write read back zero.
                long head = fresh ? range.HeadPad(pos) : 0;
                if (head > 0 && !await DioZeroPage.WriteAsync(device, map.DeviceOffsetOf(pos) - head, head, ct).ConfigureAwait(false))
                {
                    break;
                }
                long n = await TransferChunkAsync(device, BioOp.Write, map.DeviceOffsetOf(pos), iter, chunk, bounce, flags, ct).ConfigureAwait(false);
                range.Advance(n);
                if (n < chunk)
                {
                    range.CutToBlockIf(fresh, iter);
                    break;
                }
                // ... and after: the rest of the block past the write.
                long tail = fresh ? range.TailPad() : 0;
                if (tail > 0 && !await DioZeroPage.WriteAsync(device, map.DeviceOffsetOf(range.End), tail, ct).ConfigureAwait(false))
                {
                    range.CutToBlockIf(true, iter);
                    break;
                }
                if (iter.Count == 0 || ct.IsCancellationRequested)
                {
                    break;
                }
                map = await inode.IomapBeginAsync(range.End, iter.Count, intent, ct).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (DioFileRange.IsRequestFailure(e))
        {
            failure = e;
        }
        return await DioFileRange.EndIoAsync(inode, range, iter, failure, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The bios of one extent: the iterator limited to <paramref name="chunk"/> bytes for the
    /// call. Only the last chunk (the whole rest of the iterator) may end inline, as its caller
    /// asked: after any other the walk maps the next extent, which may wait.
    /// </summary>
    private static ValueTask<long> TransferChunkAsync(IBlockDevice device, BioOp op, long deviceOffset, IovIter iter, long chunk, bool bounce, DirectIoFlags flags, CancellationToken ct)
    {
        return chunk == iter.Count
            ? DirectIo.TransferAsync(device, op, deviceOffset, iter, bounce, flags, ct)
            : TransferTruncatedAsync(device, op, deviceOffset, iter, chunk, bounce, flags & ~DirectIoFlags.InlineCompletion, ct);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> TransferTruncatedAsync(IBlockDevice device, BioOp op, long deviceOffset, IovIter iter, long chunk, bool bounce, DirectIoFlags flags, CancellationToken ct)
    {
        long rest = iter.Count - chunk;
        iter.Truncate(chunk);
        try
        {
            return await DirectIo.TransferAsync(device, op, deviceOffset, iter, bounce, flags, ct).ConfigureAwait(false);
        }
        finally
        {
            iter.Reexpand(iter.Count + rest);
        }
    }
}
