// Follows lib/iov_iter.c (_copy_to_iter, _copy_from_iter).
using PinIo.Mm;

namespace PinIo.Iov;

public sealed partial class IovIter
{
    /// <summary>
    /// Copies <paramref name="data"/> into the iterator's memory, as a read does, and advances
    /// by what was copied: <c>min(data.Length, Count)</c>. A <see cref="IterKind.Discard"/>
    /// iterator drops the bytes and still advances. Only for <see cref="IterDirection.Dest"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The iterator is a <see cref="IterDirection.Source"/>.</exception>
    public int CopyToIter(ReadOnlySpan<byte> data)
    {
        if (Direction != IterDirection.Dest)
        {
            ThrowHelper.ThrowMisuse("CopyToIter on a Source iterator: a read fills a Dest iterator.");
        }
        int n = (int)Math.Min(data.Length, _count);
        if (Kind == IterKind.Discard)
        {
            AdvanceCore(n);
            return n;
        }
        int done = 0;
        while (done < n)
        {
            Span<byte> piece = CurrentPiece(n - done);
            data.Slice(done, piece.Length).CopyTo(piece);
            AdvanceCore(piece.Length);
            done += piece.Length;
        }
        return n;
    }

    /// <summary>
    /// Copies from the iterator's memory into <paramref name="destination"/>, as a write does,
    /// and advances by what was copied: <c>min(destination.Length, Count)</c>. Only for
    /// <see cref="IterDirection.Source"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The iterator is a <see cref="IterDirection.Dest"/>.</exception>
    public int CopyFromIter(Span<byte> destination)
    {
        if (Direction != IterDirection.Source)
        {
            ThrowHelper.ThrowMisuse("CopyFromIter on a Dest iterator: a write drains a Source iterator.");
        }
        int n = (int)Math.Min(destination.Length, _count);
        int done = 0;
        while (done < n)
        {
            Span<byte> piece = CurrentPiece(n - done);
            piece.CopyTo(destination.Slice(done, piece.Length));
            AdvanceCore(piece.Length);
            done += piece.Length;
        }
        return n;
    }

    /// <summary>The contiguous memory at the position, at most <paramref name="max"/> bytes.</summary>
    private Span<byte> CurrentPiece(int max)
    {
        SkipEmptySegments();
        int len = (int)Math.Min(max, CurrentSegmentLength() - _segOffset);
        switch (Kind)
        {
            case IterKind.Iovec:
                return UserSegment(_seg).Span.Slice((int)_segOffset, len);
            case IterKind.Kvec:
                return NativeMemoryAccess.Span(KernelSegment(_seg).Address + (nint)_segOffset, len);
            case IterKind.Bvec:
                return NativeMemoryAccess.Span(PageSegment(_seg).Address + (nint)_segOffset, len);
            default:
                _pipe!.CheckGeneration(_pipeGeneration);
                (Page page, int offset) = _pipe.Locate(_pipeStart + _consumed);
                return page.AsSpan().Slice(offset, Math.Min(len, PageSize.Bytes - offset));
        }
    }
}
