// Follows block/bio.c (bio_iov_iter_get_pages, __bio_iov_iter_get_pages, bio_iov_iter_align_down).
using System.Runtime.CompilerServices;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Block;

/// <summary>Filling a bio from an iterator: the pages taken by the iterator's kind, placed as vecs within the limits.</summary>
public sealed partial class Bio
{
    /// <summary>
    /// bio_iov_iter_get_pages(): takes pages from <paramref name="iter"/> — pinning them for
    /// <see cref="IterKind.Iovec"/> and <see cref="IterKind.Pipe"/> (the bio becomes
    /// <see cref="BioFlags.PagePinned"/>), taking nothing for <see cref="IterKind.Kvec"/> and
    /// <see cref="IterKind.Bvec"/> (<see cref="BioFlags.NoPageRef"/>) — until the bio is full
    /// or the iterator empty, and advances the iterator by the bytes taken. A bio already
    /// holding pages of the other class takes nothing and returns 0: start a new bio.
    /// The size is trimmed down to a multiple of the logical block size, the rest given back
    /// to the iterator. Release with <see cref="ReleasePages"/>. Discard: EFAULT.
    /// Returns the bytes added (0 when nothing fits). On an exception nothing new stays pinned.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EFAULT"/>: a <see cref="IterKind.Discard"/>
    /// iterator has no pages.</exception>
    public long AddPagesFrom(IovIter iter)
    {
        ArgumentNullException.ThrowIfNull(iter);
        BioFlags wanted = iter.ExtractWillPin ? BioFlags.PagePinned : BioFlags.NoPageRef;
        if (_vecCount == 0 && _acquiredCount == 0 && FitsOneVec(iter.Count))
        {
            long whole = wanted == BioFlags.PagePinned ? TakeWholePoolRun(iter) : TakeWholeBvec(iter);
            if (whole > 0)
            {
                return whole;
            }
        }
        return AddPagesCore(iter, wanted, getReferences: false);
    }

    /// <summary>
    /// The FOLL_GET path, kept for comparison: takes a plain reference on every page, of
    /// every kind; the bio carries neither flag, and <see cref="ReleasePages"/> puts them.
    /// </summary>
    public long AddPagesWithReferencesFrom(IovIter iter)
    {
        ArgumentNullException.ThrowIfNull(iter);
        return AddPagesCore(iter, BioFlags.None, getReferences: true);
    }

    private long AddPagesCore(IovIter iter, BioFlags wanted, bool getReferences)
    {
        if (Op is BioOp.Flush or BioOp.Discard)
        {
            ThrowHelper.ThrowMisuse($"A {Op} bio carries no data.");
        }
        if (!AcceptsClass(wanted))
        {
            return 0;
        }
        long added = 0;
        while (iter.Count > 0 && Size < Limits.MaxSectorsBytes)
        {
            long got = ExtractOnce(iter, wanted, getReferences);
            if (got <= 0)
            {
                break;
            }
            added += got;
        }
        added -= AlignDownToBlock(iter, added);
        return added;
    }

    /// <summary>A bio that holds pages takes more only of the same class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool AcceptsClass(BioFlags wanted) => (_vecCount == 0 && _acquiredCount == 0) || Flags == wanted;

    private long ExtractOnce(IovIter iter, BioFlags wanted, bool getReferences)
    {
        int segmentsLeft = Limits.MaxSegments - _vecCount;
        long room = Limits.MaxSectorsBytes - Size;
        // One more page than free segments: it may merge into the last vec. No more pages than
        // the bytes wanted can span (one more for a start inside a page).
        int maxPages = Math.Min(ExtractBatchPages, segmentsLeft + (_vecCount > 0 ? 1 : 0));
        maxPages = (int)Math.Min(maxPages, (Math.Min(room, iter.Count) + (2 * PageSize.Bytes) - 1) >> PageSize.Shift);
        if (maxPages <= 0)
        {
            return 0;
        }
        bool holdsReferences = wanted == BioFlags.PagePinned || getReferences;
        // Pages the bio will hold are taken straight into its record of them: no copy, no
        // second reference store per page.
        Span<Page> pages = holdsReferences ? AcquiredRoom(maxPages) : (_extractScratch ??= new Page[ExtractBatchPages]).AsSpan(0, maxPages);
        long got;
        int offset;
        try
        {
            got = getReferences ? iter.GetPages(pages, room, out offset) : iter.PinPages(pages, room, out offset);
        }
        catch
        {
            pages.Clear(); // the iterator released what it took: no stale page left in the record
            throw;
        }
        if (got == 0)
        {
            return 0;
        }
        int count = PageSize.PagesSpanned(offset, got);
        if (wanted == BioFlags.PagePinned)
        {
            if (_acquiredCount == 0)
            {
                _pinCounter = iter.PinCounter;
            }
            _pinCounter?.OnPinned(count);
        }
        Flags = wanted;
        // One extraction covers one segment: one range of memory, every page after the one
        // before it — except a pipe's, whose pages are separate.
        bool contiguous = iter.Kind != IterKind.Pipe;
        long placed = PlacePages(pages[..count], offset, got, holdsReferences, contiguous);
        if (placed < got)
        {
            iter.Revert(got - placed);
        }
        if (!holdsReferences)
        {
            pages[..count].Clear();
        }
        return placed;
    }

    /// <summary>Room for <paramref name="pages"/> more acquired pages, right after those recorded.</summary>
    private Span<Page> AcquiredRoom(int pages)
    {
        int need = _acquiredCount + pages;
        if (need > _acquired.Length)
        {
            int size = Math.Max(need, _acquired.Length * 2);
            Array.Resize(ref _acquired, size);
            Array.Resize(ref _acquiredBytes, size);
        }
        return _acquired.AsSpan(_acquiredCount, pages);
    }

    /// <summary>
    /// Adds the extracted run as vecs; pages that do not fit are released at once. With
    /// <paramref name="holdsReferences"/> the pages already sit in the acquired record, after
    /// those counted: the placed ones are counted, the rest released and cleared. Pages adjacent
    /// in memory grow one vec, whose length is then written once for the run; a
    /// <paramref name="contiguous"/> run is adjacent throughout, so its growth is worked out, not walked.
    /// </summary>
    private long PlacePages(ReadOnlySpan<Page> pages, int offset, long bytes, bool holdsReferences, bool contiguous)
    {
        long placed = 0;
        int i = 0;
        while (i < pages.Length && placed < bytes)
        {
            int len = (int)Math.Min(bytes - placed, PageSize.Bytes - offset);
            if (!TryAppend(pages[i], offset, len))
            {
                break;
            }
            RecordPlaced(holdsReferences, i++, len);
            placed += len;
            offset = 0;
            int more = contiguous
                ? RunPagesExtendingLastVec(pages.Length - i, bytes - placed)
                : AdjacentPagesExtendingLastVec(pages[i..], bytes - placed);
            if (more > 0)
            {
                int grown = (int)Math.Min((long)more << PageSize.Shift, bytes - placed);
                if (holdsReferences)
                {
                    RecordWholePagesThen(i, more, grown);
                }
                i += more;
                placed += grown;
                ref BioVec last = ref _vecs[_vecCount - 1];
                last = last with { Length = last.Length + grown };
                Size += grown;
            }
        }
        if (holdsReferences)
        {
            _acquiredCount += i;
            if (i < pages.Length)
            {
                ReleaseUnplaced(pages[i..]);
                _acquired.AsSpan(_acquiredCount, pages.Length - i).Clear();
            }
        }
        return placed;
    }

    /// <summary>
    /// How many of the next <paramref name="available"/> pages of one range of memory (the
    /// first starting where the last vec ends) fit in the last vec, for
    /// <paramref name="remaining"/> bytes: all of them when the segment has room, else whole pages up to MaxSegmentSize.
    /// </summary>
    private int RunPagesExtendingLastVec(int available, long remaining)
    {
        long room = Limits.MaxSegmentSize - _vecs[_vecCount - 1].Length;
        int pages = room >= remaining ? PageSize.PagesSpanned(0, remaining) : (int)(room >> PageSize.Shift);
        return Math.Min(pages, available);
    }

    /// <summary>As <see cref="RunPagesExtendingLastVec"/>, for pages that may lie anywhere: those that follow in memory, one at a time.</summary>
    private int AdjacentPagesExtendingLastVec(ReadOnlySpan<Page> pages, long remaining)
    {
        BioVec last = _vecs[_vecCount - 1];
        long room = Limits.MaxSegmentSize - last.Length;
        nint next = last.Address + last.Length;
        int n = 0;
        while (n < pages.Length && ((long)n << PageSize.Shift) < remaining
            && pages[n].Address == next + ((nint)n << PageSize.Shift)
            && Math.Min((long)(n + 1) << PageSize.Shift, remaining) <= room)
        {
            n++;
        }
        return n;
    }

    /// <summary>The bytes of <paramref name="count"/> pages from the <paramref name="index"/>th of a run being placed: whole pages, then what is left of <paramref name="bytes"/>.</summary>
    private void RecordWholePagesThen(int index, int count, int bytes)
    {
        Span<int> record = _acquiredBytes.AsSpan(_acquiredCount + index, count);
        record[..^1].Fill(PageSize.Bytes);
        record[^1] = bytes - ((count - 1) << PageSize.Shift);
    }

    /// <summary>The bytes of the <paramref name="index"/>th page of a run being placed (its page is already recorded).</summary>
    private void RecordPlaced(bool holdsReferences, int index, int bytes)
    {
        if (holdsReferences)
        {
            _acquiredBytes[_acquiredCount + index] = bytes;
        }
    }

    private void ReleaseUnplaced(ReadOnlySpan<Page> pages)
    {
        foreach (Page page in pages)
        {
            if (Flags == BioFlags.PagePinned)
            {
                Gup.UnpinUserPage(page);
            }
            else
            {
                page.Put();
            }
        }
        if (Flags == BioFlags.PagePinned && !pages.IsEmpty)
        {
            _pinCounter?.OnUnpinned(pages.Length);
        }
    }

    /// <summary>Appends a range, merging it into the last vec when memory is adjacent and the segment size allows.</summary>
    private bool TryAppend(Page page, int offset, int length)
    {
        if (_vecCount > 0)
        {
            ref BioVec last = ref _vecs[_vecCount - 1];
            if (last.Address + last.Length == page.Address + offset && last.Length + length <= Limits.MaxSegmentSize)
            {
                last = last with { Length = last.Length + length };
                Size += length;
                return true;
            }
        }
        if (_vecCount == Limits.MaxSegments || length > Limits.MaxSegmentSize)
        {
            return false;
        }
        if (_vecCount == _vecs.Length)
        {
            Array.Resize(ref _vecs, Math.Min(_vecs.Length * 2, Math.Max(Limits.MaxSegments, InlineVecs)));
        }
        _vecs[_vecCount++] = new BioVec(page, offset, length);
        Size += length;
        return true;
    }

    private void RecordAcquired(Page page, int bytes)
    {
        if (_acquiredCount == _acquired.Length)
        {
            Array.Resize(ref _acquired, _acquired.Length * 2);
            Array.Resize(ref _acquiredBytes, _acquired.Length);
        }
        _acquired[_acquiredCount] = page;
        _acquiredBytes[_acquiredCount] = bytes;
        _acquiredCount++;
    }

    /// <summary>
    /// bio_iov_iter_align_down(): a bio must end on a logical block. Gives the tail back to
    /// the iterator and releases pages no longer in the bio. Returns the bytes trimmed.
    /// </summary>
    private long AlignDownToBlock(IovIter iter, long added)
    {
        int trim = (int)Math.Min(Limits.BlockRemainder(Size), added);
        if (trim == 0)
        {
            return 0;
        }
        if (Size == trim)
        {
            TrimTail(trim);
            iter.Revert(trim);
            ThrowHelper.ThrowDirectIo(Errno.EINVAL,
                $"segments too small: {Limits.MaxSegments} segments cannot hold one logical block of {Limits.LogicalBlockSize} bytes; use larger, block-sized buffers");
        }
        TrimTail(trim);
        iter.Revert(trim);
        return trim;
    }

    private void TrimTail(int trim)
    {
        Size -= trim;
        int left = trim;
        while (left > 0)
        {
            ref BioVec last = ref _vecs[_vecCount - 1];
            int cut = Math.Min(left, last.Length);
            last = last with { Length = last.Length - cut };
            if (last.Length == 0)
            {
                last = default;
                _vecCount--;
            }
            left -= cut;
        }
        TrimAcquired(trim);
    }

    private void TrimAcquired(int trim)
    {
        while (trim > 0 && _acquiredCount > 0)
        {
            int i = _acquiredCount - 1;
            if (_acquiredBytes[i] > trim)
            {
                _acquiredBytes[i] -= trim;
                return;
            }
            trim -= _acquiredBytes[i];
            ReleaseUnplaced(_acquired.AsSpan(i, 1));
            _acquired[i] = null!;
            _acquiredCount--;
        }
    }
}
