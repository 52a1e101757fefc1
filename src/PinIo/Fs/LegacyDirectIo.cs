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
    public static ValueTask<long> ReadAsync(IIomapInode inode, long offset, IovIter iter, CancellationToken ct = default) =>
        ReadAsync(inode, offset, iter, DirectIoFlags.None, ct);

    public static ValueTask<long> WriteAsync(IIomapInode inode, long offset, IovIter iter, CancellationToken ct = default) =>
        WriteAsync(inode, offset, iter, DirectIoFlags.None, ct);

    public static ValueTask<long> ReadAsync(IIomapInode inode, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(inode);
        IBlockDevice device = inode.Device;
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
        return ReadCoreAsync(inode, offset, iter, hidden, visible, flags, ct);
    }

    public static ValueTask<long> WriteAsync(IIomapInode inode, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(inode);
        if (DirectIo.CheckFileRequest(BioOp.Write, offset, iter, inode.Device.Limits, flags))
        {
            return IomapDio.WriteAsync(inode, offset, iter, flags, ct);
        }
        DirectIo.ThrowIfCanceled(BioOp.Write, offset, ct);
        if (iter.Count == 0)
        {
            return new ValueTask<long>(0);
        }
        return WriteCoreAsync(inode, offset, iter, flags, ct);
    }

    private static async ValueTask<long> ReadCoreAsync(IIomapInode inode, long offset, IovIter iter, long hidden, long reportLimit, DirectIoFlags flags, CancellationToken ct)
    {
        long startConsumed = iter.Consumed;
        var walk = new LegacyDioWalk(inode, BioOp.Read, offset, iter, flags);
        long done = 0;
        try
        {
            Exception? failure = await walk.RunAsync(ct).ConfigureAwait(false);
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

    private static async ValueTask<long> WriteCoreAsync(IIomapInode inode, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct)
    {
        long startConsumed = iter.Consumed;
        long requested = iter.Count;
        var walk = new LegacyDioWalk(inode, BioOp.Write, offset, iter, flags);
        Exception? failure = await walk.RunAsync(ct).ConfigureAwait(false);
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
}
