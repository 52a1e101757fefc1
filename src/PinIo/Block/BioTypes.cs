// Follows include/linux/blk_types.h (REQ_OP_*, BIO_PAGE_PINNED, BIO_NO_PAGE_REF, blk_status_t).
namespace PinIo.Block;

public enum BioOp
{
    Read,
    Write,
    Flush,

    /// <summary>
    /// REQ_OP_DISCARD: the device may forget a range (its <see cref="Bio.Size"/> from
    /// <see cref="Bio.Sector"/>); the bio carries no pages. Issued by <see cref="BlkLib.IssueDiscardAsync"/>,
    /// only to devices whose <see cref="QueueLimits.MaxDiscardBytes"/> is not 0.
    /// </summary>
    Discard,
}

[Flags]
public enum BioFlags
{
    None = 0,

    /// <summary>BIO_PAGE_PINNED: the bio's pages are pinned; release unpins them.</summary>
    PagePinned = 1,

    /// <summary>BIO_NO_PAGE_REF: the caller holds the pages; release takes nothing from them.</summary>
    NoPageRef = 2,
}

/// <summary>blk_status_t: how a device ended a bio.</summary>
public enum BlkStatus
{
    Ok,
    IoError,
    NoSpace,
    NotSupported,
    Canceled,

    /// <summary>BLK_STS_AGAIN: the device would block (RWF_NOWAIT); retry later.</summary>
    Again,

    /// <summary>BLK_STS_INVAL-like: the device refused the request's alignment or range.</summary>
    Invalid,
}

public static class BlkStatusExtensions
{
    /// <summary>blk_status_to_errno().</summary>
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

    /// <summary>errno_to_blk_status().</summary>
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
