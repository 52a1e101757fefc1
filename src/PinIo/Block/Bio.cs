// Follows block/bio.c (bio_add_page, bio_iov_iter_get_pages, bio_release_pages, bio_endio).
using System.Runtime.CompilerServices;
using System.Diagnostics;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Block;

/// <summary>
/// One block request: an operation, a starting sector (512-byte units) and a vector of
/// memory ranges. Filled from an iterator by <see cref="AddPagesFrom"/>, handed to a device
/// with <see cref="IBlockDevice.Submit"/>, ended by the device with <see cref="Complete(BlkStatus)"/>.
/// <para>
/// The bio records every page it acquired and releases each exactly once, by the class of
/// call that took it (<see cref="ReleasePages"/>). A bio never mixes pinned pages with pages
/// it holds no reference on: its flag decides the release for all of them.
/// </para>
/// </summary>
public sealed partial class Bio
{
    /// <summary>BIO_INLINE_VECS: vec slots a new bio starts with before growing.</summary>
    public const int InlineVecs = 4;

    // dio_refill_pages takes up to 64 pages at a time; so does one extraction here.
    private const int ExtractBatchPages = 64;

    private BioVec[] _vecs = new BioVec[InlineVecs];
    private int _vecCount;
    private Page[] _acquired = new Page[InlineVecs];
    private int[] _acquiredBytes = new int[InlineVecs];
    private int _acquiredCount;
    private Page[]? _extractScratch;
    private VecList? _vecList;
    private int _released;
    private int _completed;

    // The counter of the iterator this bio first pinned pages from: every pin the bio takes
    // and releases is counted there, so that acquisitions and releases always meet.
    private PinCounter? _pinCounter;

    /// <summary>
    /// bio_alloc(): an empty bio for <paramref name="op"/> at <paramref name="sector"/>, bounded
    /// by <paramref name="limits"/> (the target device's <see cref="IBlockDevice.Limits"/>).
    /// Not thread-safe while being built; after <see cref="IBlockDevice.Submit"/> it belongs to
    /// the device until <see cref="EndIo"/> runs.
    /// </summary>
    /// <param name="op">The operation.</param>
    /// <param name="sector">First sector in 512-byte units (byte offset / 512).</param>
    /// <param name="limits">The queue limits the bio must respect.</param>
    /// <exception cref="ArgumentNullException"><paramref name="limits"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sector"/> is negative.</exception>
    public Bio(BioOp op, long sector, QueueLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfNegative(sector);
        Op = op;
        Sector = sector;
        Limits = limits;
    }

    /// <summary>The operation (bi_opf's REQ_OP).</summary>
    public BioOp Op { get; private set; }

    /// <summary>First sector, in 512-byte units whatever the logical block size.</summary>
    public long Sector { get; set; }

    /// <summary>
    /// Bytes the bio transfers (bi_size): the sum of its vecs, a multiple of the logical block
    /// size once filled, at most <see cref="QueueLimits.MaxSectorsBytes"/>; a discard's range length.
    /// </summary>
    public int Size { get; private set; }

    /// <summary>The queue limits the bio was built within: <see cref="Size"/> ≤ MaxSectorsBytes, <see cref="VecCount"/> ≤ MaxSegments.</summary>
    public QueueLimits Limits { get; private set; }

    /// <summary>
    /// How the bio holds its pages (BIO_PAGE_PINNED, BIO_NO_PAGE_REF): set by the first page
    /// added, the same for every page after it; decides what <see cref="ReleasePages"/> does.
    /// </summary>
    public BioFlags Flags { get; private set; }

    /// <summary>The request's I/O priority (bi_ioprio), handed by the engines to the kernel; <see cref="IoPriority.None"/>: the submitter's.</summary>
    public IoPriority Priority { get; set; }

    /// <summary>bi_status: how the device ended the bio; meaningful once <see cref="IsCompleted"/>.</summary>
    public BlkStatus Status { get; private set; }

    /// <summary>The submitter's callback (bi_end_io), run once by <see cref="Complete(BlkStatus)"/>.</summary>
    public Action<Bio>? EndIo { get; set; }

    /// <summary>The submitter's context for <see cref="EndIo"/> (bi_private).</summary>
    public object? Private { get; set; }

    /// <summary>
    /// The bio's memory ranges (bi_io_vec), in transfer order; adjacent memory is merged into one
    /// vec up to MaxSegmentSize. A view, allocated once per bio; devices use <see cref="VecSpan"/>.
    /// </summary>
    public IReadOnlyList<BioVec> Vecs => _vecList ??= new VecList(this);

    /// <summary>The vecs without an allocation, for devices on the hot path.</summary>
    public ReadOnlySpan<BioVec> VecSpan => _vecs.AsSpan(0, _vecCount);

    /// <summary>Number of vecs (bi_vcnt), at most <see cref="QueueLimits.MaxSegments"/>.</summary>
    public int VecCount => _vecCount;

    /// <summary>Byte offset on the device of the first byte.</summary>
    public long Position => Sector * QueueLimits.SectorSize;

    /// <summary>True once <see cref="Complete(BlkStatus)"/> ran; readable from any thread.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

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

    /// <summary>
    /// bio_add_page() for pages the caller keeps referenced for the whole I/O: the bio takes
    /// no reference (<see cref="BioFlags.NoPageRef"/>). False when the bio is full, when it
    /// holds pages of another class, or when the range would break the limits.
    /// </summary>
    public bool AddPage(Page page, int length, int offset)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (!AcceptsClass(BioFlags.NoPageRef) || Size + length > Limits.MaxSectorsBytes)
        {
            return false;
        }
        if (!TryAppend(page, offset, length))
        {
            return false;
        }
        Flags = BioFlags.NoPageRef;
        return true;
    }

    /// <summary>
    /// dio_bio_add_page() of fs/direct-io.c: adds a page the caller took itself. With
    /// <paramref name="pinned"/>, the caller gives the bio one pin on the page, which the bio
    /// then releases (the bio becomes <see cref="BioFlags.PagePinned"/>); otherwise the caller
    /// keeps the page for the whole I/O (<see cref="BioFlags.NoPageRef"/>). False, with
    /// nothing taken, when the bio is full, holds pages of the other class, or the range
    /// would break the limits.
    /// </summary>
    internal bool AddTakenPage(Page page, int offset, int length, bool pinned)
    {
        BioFlags wanted = pinned ? BioFlags.PagePinned : BioFlags.NoPageRef;
        if (!AcceptsClass(wanted) || Size + length > Limits.MaxSectorsBytes || !TryAppend(page, offset, length))
        {
            return false;
        }
        Flags = wanted;
        if (pinned)
        {
            RecordAcquired(page, length);
        }
        return true;
    }

    /// <summary>
    /// A discard bio names a range and holds no pages (bi_size without a bi_io_vec): sets the
    /// range's length, in bytes from <see cref="Sector"/>.
    /// </summary>
    internal void SetDiscardSize(int bytes)
    {
        Debug.Assert(Op == BioOp.Discard && _vecCount == 0, "Only a discard bio has a size without pages");
        Size = bytes;
    }

    /// <summary>
    /// bio_release_pages(): pinned bios unpin every page (dirtying it first when
    /// <paramref name="markDirty"/>, after a read); <see cref="BioFlags.NoPageRef"/> bios
    /// release nothing; bios built by <see cref="AddPagesWithReferencesFrom"/> put their
    /// references. Exactly once per bio: a second call is a bug and throws.
    /// </summary>
    /// <exception cref="InvalidOperationException">The bio's pages were already released.</exception>
    public void ReleasePages(bool markDirty)
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            ThrowHelper.ThrowMisuse("ReleasePages called twice on one bio: every page is released exactly once.");
        }
        ReadOnlySpan<Page> pages = _acquired.AsSpan(0, _acquiredCount);
        if ((Flags & BioFlags.PagePinned) != 0)
        {
            Gup.UnpinUserPagesDirtyLock(pages, markDirty);
            _pinCounter?.OnUnpinned(pages.Length);
        }
        else if ((Flags & BioFlags.NoPageRef) == 0)
        {
            PutReferences(pages, markDirty);
        }
        ClearAcquired();
    }

    /// <summary>
    /// bio_endio(): records <paramref name="status"/> (and its errno) and runs <see cref="EndIo"/>
    /// on the calling thread. Called by the device exactly once, from any thread.
    /// </summary>
    /// <exception cref="InvalidOperationException">The bio was already completed.</exception>
    public void Complete(BlkStatus status) => Complete(status, status.ToErrno());

    /// <summary>
    /// As <see cref="Complete(BlkStatus)"/>, keeping the device's own <paramref name="errno"/>
    /// (say EBADF or EFBIG from the kernel) so the submitter can report it precisely.
    /// </summary>
    public void Complete(BlkStatus status, Errno errno) => Complete(status, errno, null);

    /// <summary>
    /// As <see cref="Complete(BlkStatus, Errno)"/>, with the device's own account of a failure
    /// when the errno alone would mislead (EOPNOTSUPP from a ring that polls for completions
    /// means that the device cannot be polled): the submitter puts it in its exception. Pass a
    /// constant string, so that a failure allocates nothing.
    /// </summary>
    public void Complete(BlkStatus status, Errno errno, string? reason)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            ThrowHelper.ThrowMisuse($"Bio at sector {Sector} completed twice: a device ends every bio exactly once.");
        }
        Status = status;
        Error = status == BlkStatus.Ok ? Errno.None : errno;
        FailureReason = status == BlkStatus.Ok ? null : reason;
        EndIo?.Invoke(this);
    }

    /// <summary>The device's errno when <see cref="Status"/> is not <see cref="BlkStatus.Ok"/>.</summary>
    public Errno Error { get; private set; }

    /// <summary>What the device said about a failure beyond <see cref="Error"/>, or null: what the user should change.</summary>
    public string? FailureReason { get; private set; }

    /// <summary>For diagnostics: operation, sector, size, vec count, flags and status.</summary>
    public override string ToString() => $"Bio {Op} sector {Sector} size {Size} vecs {_vecCount} {Flags} {Status}";

    /// <summary>Makes a pooled bio new again. Its pages must have been released.</summary>
    internal void Reset(BioOp op, long sector, QueueLimits limits)
    {
        Debug.Assert(_acquiredCount == 0, "Resetting a bio that still holds pages");
        Op = op;
        Sector = sector;
        Limits = limits;
        Size = 0;
        Flags = BioFlags.None;
        Priority = IoPriority.None;
        Status = BlkStatus.Ok;
        Error = Errno.None;
        FailureReason = null;
        EndIo = null;
        Private = null;
        _pinCounter = null;
        // A loop, not a span clear: a bio holds a vec or two, and the clear is a call per bio.
        for (int i = 0; i < _vecCount; i++)
        {
            _vecs[i] = default;
        }
        _vecCount = 0;
        _released = 0;
        _completed = 0;
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

    private static void PutReferences(ReadOnlySpan<Page> pages, bool markDirty)
    {
        foreach (Page page in pages)
        {
            if (markDirty)
            {
                page.SetDirty();
            }
            page.Put();
        }
    }

    private void ClearAcquired()
    {
        for (int i = 0; i < _acquiredCount; i++)
        {
            _acquired[i] = null!;
        }
        _acquiredCount = 0;
        _pinCounter = null;
    }

    private sealed class VecList(Bio bio) : IReadOnlyList<BioVec>
    {
        public BioVec this[int index] => (uint)index < (uint)bio._vecCount ? bio._vecs[index] : throw new ArgumentOutOfRangeException(nameof(index));

        public int Count => bio._vecCount;

        public IEnumerator<BioVec> GetEnumerator()
        {
            for (int i = 0; i < bio._vecCount; i++)
            {
                yield return bio._vecs[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
