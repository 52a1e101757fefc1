// Follows block/blk-map.c (bio_copy_user_iov, bio_uncopy_user) as used for misaligned memory.
using PinIo.Block;
using PinIo.Diagnostics;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Fs;

public static partial class DirectIo
{
    /// <summary>Bytes bounced per round: bounce pages are pooled and bounded, large requests go in rounds.</summary>
    internal const int BounceChunkBytes = 256 * 1024;

    private static readonly Lazy<PagePool> s_bouncePool = new(() => new PagePool(4 * BounceChunkBytes / PageSize.Bytes));

    /// <summary>
    /// Misaligned memory: copy through bounce pages, a round at a time. The caller's memory is
    /// never pinned on this path. Stops at the first short round; an error after some bytes
    /// were done reports those bytes.
    /// </summary>
    private static async ValueTask<long> BounceAsync(IBlockDevice device, BioOp op, long offset, IovIter iter, long hidden, long reportLimit, DirectIoFlags flags, CancellationToken ct, IoPriority priority = default)
    {
        long done = 0;
        try
        {
            while (iter.Count > 0)
            {
                long n = await BounceRoundAsync(device, op, offset + done, iter, flags, priority, ct).ConfigureAwait(false);
                done += n;
                if (n < BounceChunkBytes)
                {
                    break;
                }
            }
        }
        catch (DirectIoException) when (done > 0)
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

    private static async ValueTask<long> BounceRoundAsync(IBlockDevice device, BioOp op, long offset, IovIter iter, DirectIoFlags flags, IoPriority priority, CancellationToken ct)
    {
        long chunk = Math.Min(iter.Count, BounceChunkBytes);
        PagePool pool = s_bouncePool.Value;
        PagePool? ownPool = pool.FreeCount < PageSize.PagesSpanned(0, chunk) ? new PagePool(PageSize.PagesSpanned(0, chunk)) : null;
        try
        {
            using BounceBuffer bounce = BlkMap.CopyUserIov(iter, chunk, ownPool ?? pool);
            PinIoMetrics.Bounced((IoDirection)op, chunk);
            IterDirection side = op == BioOp.Read ? IterDirection.Dest : IterDirection.Source;
            long n;
            try
            {
                n = await SubmitMapped(device, device.Limits, op, offset, bounce.ToIter(side), 0, long.MaxValue, flags & ~DirectIoFlags.InlineCompletion, ct, priority: priority).ConfigureAwait(false);
            }
            catch (DirectIoException) when (op == BioOp.Write)
            {
                iter.Revert(chunk);
                throw;
            }
            if (op == BioOp.Read)
            {
                bounce.CopyOut(iter, n);
            }
            else if (n < chunk)
            {
                iter.Revert(chunk - n);
            }
            return n;
        }
        finally
        {
            ownPool?.Dispose();
        }
    }
}
