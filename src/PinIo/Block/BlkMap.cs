// Follows block/blk-map.c (blk_rq_map_user_iov: map the caller's pages, or copy through bounce pages).
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Block;

/// <summary>
/// Decides between mapping the caller's memory into bios and copying it through pooled
/// bounce pages, as blk-map does: memory whose alignment fits the queue is mapped (and
/// pinned); memory that does not is copied — into bounce pages before a write, back out of
/// them after a read.
/// </summary>
public static class BlkMap
{
    /// <summary>Whether every segment's address and length fits <see cref="QueueLimits.DmaAlignment"/>.</summary>
    public static bool CanMap(IovIter iter, QueueLimits limits)
    {
        ArgumentNullException.ThrowIfNull(iter);
        ArgumentNullException.ThrowIfNull(limits);
        return (iter.Alignment() & (limits.DmaAlignment - 1)) == 0;
    }

    /// <summary>
    /// bio_copy_user_iov(): bounce pages for up to <paramref name="bytes"/> bytes of
    /// <paramref name="iter"/>. For a write (a source iterator) the data is copied in now and
    /// the iterator advanced; for a read, <see cref="BounceBuffer.CopyOut"/> fills the
    /// iterator after the I/O. Dispose returns the pages to the pool. The bounce pages are
    /// page-aligned, so they fit any <see cref="QueueLimits.DmaAlignment"/>.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.ENOMEM"/>: <paramref name="pool"/> has too few free pages.</exception>
    public static BounceBuffer CopyUserIov(IovIter iter, long bytes, PagePool pool)
    {
        ArgumentNullException.ThrowIfNull(iter);
        ArgumentNullException.ThrowIfNull(pool);
        var bounce = new BounceBuffer(pool, (int)Math.Min(bytes, iter.Count));
        if (iter.Direction == IterDirection.Source)
        {
            bounce.CopyIn(iter);
        }
        return bounce;
    }
}

/// <summary>Pool pages standing in for misaligned caller memory during one I/O.</summary>
public sealed class BounceBuffer : IDisposable
{
    private readonly BioVec[] _vecs;
    private bool _disposed;

    internal BounceBuffer(PagePool pool, int bytes)
    {
        Length = bytes;
        _vecs = new BioVec[PageSize.PagesSpanned(0, bytes)];
        int filled = 0;
        try
        {
            for (; filled < _vecs.Length; filled++)
            {
                int len = Math.Min(PageSize.Bytes, bytes - (filled << PageSize.Shift));
                _vecs[filled] = new BioVec(pool.Alloc(), 0, len);
            }
        }
        catch
        {
            PutPages(filled);
            throw;
        }
    }

    /// <summary>Bytes of caller memory the bounce pages stand in for (at most the iterator's count when made).</summary>
    public int Length { get; }

    /// <summary>The bounce pages as an iterator for the device side of the I/O.</summary>
    public IovIter ToIter(IterDirection direction) => IovIter.Pages(direction, _vecs);

    /// <summary>Copies <see cref="Length"/> bytes from <paramref name="source"/> into the bounce pages (before a write).</summary>
    public void CopyIn(IovIter source)
    {
        ArgumentNullException.ThrowIfNull(source);
        foreach (BioVec vec in _vecs)
        {
            source.CopyFromIter(vec.Page.AsSpan().Slice(vec.Offset, vec.Length));
        }
    }

    /// <summary>Copies the first <paramref name="bytes"/> bytes of the bounce pages into <paramref name="destination"/> (after a read).</summary>
    public void CopyOut(IovIter destination, long bytes)
    {
        ArgumentNullException.ThrowIfNull(destination);
        foreach (BioVec vec in _vecs)
        {
            if (bytes <= 0)
            {
                break;
            }
            int n = (int)Math.Min(bytes, vec.Length);
            destination.CopyToIter(vec.Page.AsSpan().Slice(vec.Offset, n));
            bytes -= n;
        }
    }

    /// <summary>
    /// Returns the bounce pages to their pool (one <see cref="Page.Put"/> each). Only after the
    /// I/O completed and, for a read, after <see cref="CopyOut"/>. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            PutPages(_vecs.Length);
        }
    }

    private void PutPages(int count)
    {
        for (int i = 0; i < count; i++)
        {
            _vecs[i].Page.Put();
        }
    }
}
