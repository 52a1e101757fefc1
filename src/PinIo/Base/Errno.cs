// Follows include/uapi/asm-generic/errno-base.h and errno.h (the values PinIo reports).
namespace PinIo;

/// <summary>The Linux error numbers PinIo reports, with their kernel values.</summary>
public enum Errno
{
    None = 0,
    EPERM = 1,
    ENOENT = 2,
    EINTR = 4,
    EIO = 5,
    ENXIO = 6,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    ENOTBLK = 15,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    ENOTDIR = 20,
    EISDIR = 21,
    EINVAL = 22,
    ENFILE = 23,
    EMFILE = 24,
    ENOTTY = 25,
    EFBIG = 27,
    ENOSPC = 28,
    EROFS = 30,
    ENAMETOOLONG = 36,
    ENOSYS = 38,
    ELOOP = 40,
    EOPNOTSUPP = 95,
    ETIME = 62,
    EOVERFLOW = 75,
    EDQUOT = 122,
    ECANCELED = 125,

    /// <summary>Connection timed out: a request that took longer than it was allowed (pinio latency_target at depth 1).</summary>
    ETIMEDOUT = 110,
}
