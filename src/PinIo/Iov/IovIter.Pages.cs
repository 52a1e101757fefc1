// Follows lib/iov_iter.c (iov_iter_extract_pages, iov_iter_get_pages2) and the FOLL_PIN
// conversion of Direct I/O: pin for user memory and pipes, nothing for kvec and bvec.
using PinIo.Mm;

namespace PinIo.Iov;

public sealed partial class IovIter
{
    /// <summary>
    /// iov_iter_pin_user_pages(): takes the pages behind the next contiguous run of the
    /// iterator, at most <paramref name="maxBytes"/> bytes and <c>pages.Length</c> pages, and
    /// advances past them. Returns the bytes covered; the data starts at
    /// <paramref name="firstOffset"/> in <c>pages[0]</c> and at offset 0 in every later page.
    /// <para>
    /// <see cref="IterKind.Iovec"/>: pinned (FOLL_PIN) — release with an unpin, dirtying first
    /// after a read. <see cref="IterKind.Pipe"/>: each page pinned on top of the pipe's
    /// reference — release with an unpin. <see cref="IterKind.Kvec"/> and
    /// <see cref="IterKind.Bvec"/>: no reference is taken and none must be released.
    /// <see cref="IterKind.Discard"/>: EFAULT.
    /// </para>
    /// On an exception nothing stays acquired and the iterator has not moved.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EFAULT"/>: a <see cref="IterKind.Discard"/>
    /// iterator has no pages.</exception>
    public long PinPages(Span<Page> pages, long maxBytes, out int firstOffset) =>
        ExtractPages(pages, maxBytes, out firstOffset, pin: true);

    /// <summary>
    /// iov_iter_get_pages(): the FOLL_GET path, kept for comparison. Every page of every kind
    /// gets a plain reference, released with <see cref="Page.Put"/>. Discard: EFAULT.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EFAULT"/>: a <see cref="IterKind.Discard"/>
    /// iterator has no pages.</exception>
    public long GetPages(Span<Page> pages, long maxBytes, out int firstOffset) =>
        ExtractPages(pages, maxBytes, out firstOffset, pin: false);

    /// <summary>
    /// <see cref="PinPages"/> for the common Direct I/O request in one step: when all that is
    /// left lies in one segment of PinIo's pool memory, spanning at most <paramref name="maxPages"/>
    /// pages, pins those pages straight from their pool (<see cref="Gup.PinPoolMemoryRun"/>: the
    /// memory's folio when the request covers all of it, else each page) and advances to the
    /// end. Returns the run pinned, the data (all of <see cref="Count"/>) starting at
    /// <paramref name="firstOffset"/> in its first page; release it with
    /// <see cref="Gup.UnpinPoolRunDirtyLock"/>. The default (no pages), nothing taken and the
    /// iterator unmoved, for a request of any other shape, or while pin owners are tracked. On
    /// an exception nothing stays pinned.
    /// </summary>
    internal PinnedPoolRun TryPinWholePoolRun(int maxPages, out int firstOffset)
    {
        firstOffset = 0;
        // _segAddress 0: memory that may move, never pool memory.
        if (Kind != IterKind.Iovec || _segAddress == 0 || !RestLiesInCurrentSegment())
        {
            return default;
        }
        nint address = CurrentUserAddress() + (nint)_segOffset;
        if (_segPool is not { } memory || PageSize.PagesSpanned(address, _count) > maxPages)
        {
            return default;
        }
        PinnedPoolRun run = Gup.PinPoolMemoryRun(memory, address, (int)_count);
        if (run.Count == 0)
        {
            return default;
        }
        firstOffset = PageSize.OffsetIn(address);
        AdvanceOverRest();
        return run;
    }

    /// <summary>
    /// bio_iov_bvec_set() for the common request: when all that is left of a
    /// <see cref="IterKind.Bvec"/> iterator lies in one of its vecs, starting inside that vec's
    /// first page, gives the range as one vec (no page is taken: the caller holds them) and
    /// advances to the end. False, the iterator unmoved, for a request of any other shape.
    /// </summary>
    internal bool TryTakeWholeBvec(out BioVec vec)
    {
        vec = default;
        if (Kind != IterKind.Bvec || !RestLiesInCurrentSegment())
        {
            return false;
        }
        BioVec segment = PageSegment(_seg);
        long offset = segment.Offset + _segOffset;
        if (offset >= PageSize.Bytes)
        {
            return false;
        }
        vec = new BioVec(segment.Page, (int)offset, (int)AdvanceOverRest());
        return true;
    }

    private long ExtractPages(Span<Page> pages, long maxBytes, out int firstOffset, bool pin)
    {
        firstOffset = 0;
        if (Kind == IterKind.Discard)
        {
            ThrowHelper.ThrowDirectIo(Errno.EFAULT, "a Discard iterator has no pages for Direct I/O: read into memory, or use a buffered copy.");
        }
        if (pages.IsEmpty || maxBytes <= 0 || _count == 0)
        {
            return 0;
        }
        SkipEmptySegments();
        long want = Math.Min(Math.Min(maxBytes, _count), CurrentSegmentLength() - _segOffset);
        long bytes = Kind switch
        {
            IterKind.Iovec => ExtractUserPages(pages, want, pin, out firstOffset),
            IterKind.Pipe => ExtractPipePages(pages, want, pin, out firstOffset),
            _ => ExtractReferencedPages(pages, want, pin, out firstOffset),
        };
        AdvanceCore(bytes);
        return bytes;
    }

    private long ExtractUserPages(Span<Page> pages, long want, bool pin, out int firstOffset)
    {
        Memory<byte> run = UserSegment(_seg).Slice((int)_segOffset, (int)want);
        GupFlags flags = Direction == IterDirection.Dest ? GupFlags.Write : GupFlags.None;
        int n = Gup.AcquireUserPages(run, flags, pages, pin, out nint address);
        firstOffset = PageSize.OffsetIn(address);
        return Math.Min(want, ((long)n << PageSize.Shift) - firstOffset);
    }

    /// <summary>Kvec and bvec memory: the caller holds it, so pinning takes nothing; GetPages takes plain references.</summary>
    private long ExtractReferencedPages(Span<Page> pages, long want, bool pin, out int firstOffset)
    {
        nint address = (Kind == IterKind.Kvec ? KernelSegment(_seg).Address : PageSegment(_seg).Address) + (nint)_segOffset;
        firstOffset = PageSize.OffsetIn(address);
        int n;
        if (pin)
        {
            n = Math.Min(PageSize.PagesSpanned(address, want), pages.Length);
            nint first = PageSize.AlignDown(address);
            for (int i = 0; i < n; i++)
            {
                pages[i] = PageTable.Peek(first + ((nint)i << PageSize.Shift));
            }
        }
        else
        {
            n = Gup.AcquireNativePages(address, want, pages, pin: false);
        }
        return Math.Min(want, ((long)n << PageSize.Shift) - firstOffset);
    }

    private long ExtractPipePages(Span<Page> pages, long want, bool pin, out int firstOffset)
    {
        _pipe!.CheckGeneration(_pipeGeneration);
        long position = _pipeStart + _consumed;
        (Page first, firstOffset) = _pipe.Locate(position);
        long bytes = 0;
        int n = 0;
        while (bytes < want && n < pages.Length)
        {
            (Page page, int offset) = n == 0 ? (first, firstOffset) : _pipe.Locate(position + bytes);
            if (pin)
            {
                Gup.PinUserPage(page);
            }
            else
            {
                page.Get();
            }
            pages[n++] = page;
            bytes += Math.Min(want - bytes, PageSize.Bytes - offset);
        }
        return bytes;
    }
}
