// Follows include/linux/blk_types.h (REQ_OP_*, BIO_PAGE_PINNED, BIO_NO_PAGE_REF, blk_status_t).
namespace PinIo.Block;

/// <summary>The operation of a <see cref="Bio"/> (REQ_OP_*).</summary>
public enum BioOp
{
    /// <summary>REQ_OP_READ: the device fills the bio's pages from <see cref="Bio.Sector"/>; the pages are dirtied when released.</summary>
    Read,

    /// <summary>REQ_OP_WRITE: the device stores the bio's pages at <see cref="Bio.Sector"/>; durable only after a later <see cref="Flush"/>.</summary>
    Write,

    /// <summary>
    /// REQ_OP_FLUSH (REQ_PREFLUSH): every write the device completed before it is durable when it
    /// completes. Carries no pages and no range.
    /// </summary>
    Flush,

    /// <summary>
    /// REQ_OP_DISCARD: the device may forget a range (its <see cref="Bio.Size"/> from
    /// <see cref="Bio.Sector"/>); the bio carries no pages. Issued by <see cref="BlkLib.IssueDiscardAsync"/>,
    /// only to devices whose <see cref="QueueLimits.MaxDiscardBytes"/> is not 0.
    /// </summary>
    Discard,
}

/// <summary>
/// How a <see cref="Bio"/> holds its pages, which decides <see cref="Bio.ReleasePages"/>. A bio
/// with pages has exactly one of the two flags (it never mixes pinned and unpinned pages);
/// one built by <see cref="Bio.AddPagesWithReferencesFrom"/> has neither and puts plain references.
/// </summary>
[Flags]
public enum BioFlags
{
    /// <summary>No page yet, or plain references (the FOLL_GET path): release puts each page.</summary>
    None = 0,

    /// <summary>BIO_PAGE_PINNED: the bio's pages are pinned; release unpins them.</summary>
    PagePinned = 1,

    /// <summary>BIO_NO_PAGE_REF: the caller holds the pages; release takes nothing from them.</summary>
    NoPageRef = 2,
}

/// <summary>blk_status_t: how a device ended a bio.</summary>
public enum BlkStatus
{
    /// <summary>BLK_STS_OK: the bio transferred all of <see cref="Bio.Size"/>.</summary>
    Ok,

    /// <summary>BLK_STS_IOERR: the device failed the bio (EIO); the data of a read is undefined, a write may be partly stored.</summary>
    IoError,

    /// <summary>BLK_STS_NOSPC: no space to store a write (ENOSPC).</summary>
    NoSpace,

    /// <summary>BLK_STS_NOTSUPP: the device does not do this operation (EOPNOTSUPP), e.g. a discard or a polled ring.</summary>
    NotSupported,

    /// <summary>The request was cancelled before or while the device held it (ECANCELED); no data is guaranteed transferred.</summary>
    Canceled,

    /// <summary>BLK_STS_AGAIN: the device would block (RWF_NOWAIT); retry later.</summary>
    Again,

    /// <summary>BLK_STS_INVAL-like: the device refused the request's alignment or range.</summary>
    Invalid,
}

/// <summary>The mapping between <see cref="BlkStatus"/> and <see cref="Errno"/> (block/blk-core.c's blk_errors table).</summary>
public static class BlkStatusExtensions
{
    /// <summary>
    /// blk_status_to_errno(): Ok → <see cref="Errno.None"/>, NoSpace → ENOSPC, NotSupported →
    /// EOPNOTSUPP, Canceled → ECANCELED, Again → EAGAIN, Invalid → EINVAL, anything else → EIO.
    /// </summary>
    public static Errno ToErrno(this BlkStatus status) => status switch
    {
        BlkStatus.Ok => Errno.None,
        BlkStatus.NoSpace => Errno.ENOSPC,
        BlkStatus.NotSupported => Errno.EOPNOTSUPP,
        BlkStatus.Canceled => Errno.ECANCELED,
        BlkStatus.Again => Errno.EAGAIN,
        BlkStatus.Invalid => Errno.EINVAL,
        _ => Errno.EIO,
    };

    /// <summary>
    /// The errno a failed bio reports: the one the device gave (<paramref name="reported"/>), else
    /// the status's own (<see cref="ToErrno(BlkStatus)"/>).
    /// </summary>
    internal static Errno ToErrno(this BlkStatus status, Errno reported) => reported != Errno.None ? reported : status.ToErrno();

    /// <summary>
    /// errno_to_blk_status(): the inverse of <see cref="ToErrno(BlkStatus)"/>; an errno without its own
    /// status becomes <see cref="BlkStatus.IoError"/> (keep the errno itself with
    /// <see cref="Bio.Complete(BlkStatus, Errno)"/>).
    /// </summary>
    public static BlkStatus FromErrno(Errno errno) => errno switch
    {
        Errno.None => BlkStatus.Ok,
        Errno.ENOSPC => BlkStatus.NoSpace,
        Errno.EOPNOTSUPP => BlkStatus.NotSupported,
        Errno.ECANCELED => BlkStatus.Canceled,
        Errno.EAGAIN => BlkStatus.Again,
        Errno.EINVAL => BlkStatus.Invalid,
        _ => BlkStatus.IoError,
    };
}
