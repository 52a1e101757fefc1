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
    // A whole request's run of pool pages (TakeWholePoolRun), recorded as the run rather than in _acquired.
    private PinnedPoolRun _pinnedRun;
    private Page[]? _extractScratch;
    private VecList? _vecList;
    private int _released;
    private int _completed;

    // The counter of the iterator this bio first pinned pages from: every pin the bio takes
    // and releases is counted there, so that acquisitions and releases always meet.
    private PinCounter? _pinCounter;
    private QueueLimits _limits;
    private Action<Bio>? _endIo;
    private object? _private;

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
        _limits = limits;
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
    public QueueLimits Limits => _limits;

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
    public Action<Bio>? EndIo { get => _endIo; set => _endIo = value; }

    /// <summary>The submitter's context for <see cref="EndIo"/> (bi_private).</summary>
    public object? Private { get => _private; set => _private = value; }

    /// <summary>
    /// Sets <see cref="EndIo"/> and <see cref="Private"/>. A bio its submitter reuses (a request's
    /// own) still has both from its last use: <see cref="Reset"/> keeps them, and they are stored
    /// only when they change; the bio pool clears them when a bio comes back.
    /// </summary>
    internal void SetEndIo(Action<Bio> endIo, object? context)
    {
        Fields.StoreIfChanged(ref _endIo, endIo);
        Fields.StoreIfChanged(ref _private, context);
    }

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
        if (_pinnedRun.Memory is not null)
        {
            ReleasePinnedRun(markDirty);
            return;
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

    /// <summary>
    /// Makes a used bio new again; its <see cref="EndIo"/> and <see cref="Private"/> stay (the
    /// bio pool clears them on return, a request's own bio keeps its request's). Its pages must
    /// have been released.
    /// </summary>
    internal void Reset(BioOp op, long sector, QueueLimits limits)
    {
        Debug.Assert(_acquiredCount == 0 && _pinnedRun.Memory is null, "Resetting a bio that still holds pages");
        Op = op;
        Sector = sector;
        Fields.StoreIfChanged(ref _limits, limits);
        Size = 0;
        Flags = BioFlags.None;
        Priority = IoPriority.None;
        Status = BlkStatus.Ok;
        Error = Errno.None;
        FailureReason = null;
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
