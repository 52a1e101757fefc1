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
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    EISDIR = 21,
    EINVAL = 22,
    EMFILE = 24,
    EFBIG = 27,
    ENOSPC = 28,
    EROFS = 30,
    ENOSYS = 38,
    EOPNOTSUPP = 95,
    ETIME = 62,
    ECANCELED = 125,
}
