// Follows include/uapi/asm-generic/errno-base.h and errno.h (the values PinIo reports).
namespace PinIo;

/// <summary>
/// The Linux error numbers PinIo reports, with their kernel values (so <c>(int)errno</c> is what
/// <c>errno</c> would hold in C, and <see cref="System.Exception.HResult"/> of a
/// <see cref="DirectIoException"/> is its negative, the kernel's -errno). Each value's summary says
/// when PinIo reports it; the exception's message says what to change.
/// </summary>
public enum Errno
{
    /// <summary>No error (0): what <see cref="PinIo.Block.BlkStatus.Ok"/> maps to; never the errno of a thrown exception.</summary>
    None = 0,

    /// <summary>Operation not permitted: a write to a read-only block device, or a privileged call (an io_uring kernel submission thread, a real-time I/O priority) without the capability; run with it, or ask for less.</summary>
    EPERM = 1,

    /// <summary>No such file: the path given to open, or a <see cref="PinIo.Fs.Volume"/> file that does not exist.</summary>
    ENOENT = 2,

    /// <summary>Interrupted by a signal: the syscall is retried where PinIo can; reported only where it cannot.</summary>
    EINTR = 4,

    /// <summary>Device I/O error: a bio ended with <see cref="PinIo.Block.BlkStatus.IoError"/> (a failing disk, a <see cref="PinIo.Devices.FaultDevice"/> fault). Also what an error without its own number becomes.</summary>
    EIO = 5,

    /// <summary>No such device or address: the device behind the file is gone or has no driver.</summary>
    ENXIO = 6,

    /// <summary>Bad file descriptor: I/O on a file or device after it was disposed, or a handle opened without the access the call needs (a write on a read-only open).</summary>
    EBADF = 9,

    /// <summary>Would block: a request with RWF_NOWAIT / <see cref="PinIo.Block.BlkStatus.Again"/>, a full pipe (<see cref="PinIo.Iov.IovIter.Pipe"/>) or a system AIO limit; retry later or make the queue larger.</summary>
    EAGAIN = 11,

    /// <summary>Out of memory: a <see cref="PinIo.Mm.PagePool"/> with no free page (bounce buffers, pipes, allocated buffers), or the kernel refused locked memory for a ring or registered buffers (raise RLIMIT_MEMLOCK).</summary>
    ENOMEM = 12,

    /// <summary>Permission denied by the file's mode or its directories' when opening.</summary>
    EACCES = 13,

    /// <summary>Bad address: Direct I/O on an <see cref="PinIo.Iov.IterKind.Discard"/> iterator (no pages to pin), or memory the kernel could not map.</summary>
    EFAULT = 14,

    /// <summary>Not a block device: a block-device-only query (queue limits from sysfs, a block ioctl) on a regular file.</summary>
    ENOTBLK = 15,

    /// <summary>Device or resource busy: a <see cref="PinIo.Fs.Volume"/> file deleted while open, a page-cache range mapped while another mapping or a pin holds it, a ring registration already in use.</summary>
    EBUSY = 16,

    /// <summary>Exists already: creating a <see cref="PinIo.Fs.Volume"/> file, or a file with exclusive creation, whose name is taken.</summary>
    EEXIST = 17,

    /// <summary>No such device: the target names no device, or the file system does not support the operation on it.</summary>
    ENODEV = 19,

    /// <summary>A component of the path is not a directory.</summary>
    ENOTDIR = 20,

    /// <summary>The path is a directory: Direct I/O needs a regular file or a block device.</summary>
    EISDIR = 21,

    /// <summary>Invalid argument: a Direct I/O offset or length that is not a multiple of <see cref="PinIo.Block.QueueLimits.LogicalBlockSize"/>, or memory not aligned to <see cref="PinIo.Block.QueueLimits.DmaAlignment"/> with bouncing off (the message names the alignment); a refused option value.</summary>
    EINVAL = 22,

    /// <summary>The system's table of open files is full.</summary>
    ENFILE = 23,

    /// <summary>This process has too many open file descriptors (ulimit -n).</summary>
    EMFILE = 24,

    /// <summary>Inappropriate ioctl: a block-device ioctl on something that is not one.</summary>
    ENOTTY = 25,

    /// <summary>File too large: a write or size past the largest size the file system (or a <see cref="PinIo.Fs.Volume"/>) allows, or an offset + length that overflows.</summary>
    EFBIG = 27,

    /// <summary>No space left on the device: a bio ended with <see cref="PinIo.Block.BlkStatus.NoSpace"/>, a full file system or a full <see cref="PinIo.Fs.Volume"/>.</summary>
    ENOSPC = 28,

    /// <summary>Read-only file system: a write, or an open for writing, on a read-only mount or a file opened read-only.</summary>
    EROFS = 30,

    /// <summary>Broken pipe: the peer closed a connection while data was still being written (pinio's network engine).</summary>
    EPIPE = 32,

    /// <summary>A path or a <see cref="PinIo.Fs.Volume"/> file name is too long.</summary>
    ENAMETOOLONG = 36,

    /// <summary>Not implemented by this kernel: io_uring, native AIO or ioprio_set is missing; PinIo falls back to the synchronous engine where it may.</summary>
    ENOSYS = 38,

    /// <summary>Too many levels of symbolic links in the path.</summary>
    ELOOP = 40,

    /// <summary>Not supported: the file system refuses O_DIRECT, the device cannot do the operation (discard, polling), or a bio ended with <see cref="PinIo.Block.BlkStatus.NotSupported"/>.</summary>
    EOPNOTSUPP = 95,

    /// <summary>Address in use: the port a listener asked for is taken (pinio's network engine).</summary>
    EADDRINUSE = 98,

    /// <summary>Connection reset by the peer (pinio's network engine).</summary>
    ECONNRESET = 104,

    /// <summary>Timed out: a connection or a wait that has a deadline passed it.</summary>
    ETIMEDOUT = 110,

    /// <summary>Connection refused: nothing listens at the address (pinio's network engine).</summary>
    ECONNREFUSED = 111,

    /// <summary>Timer expired: an io_uring wait with a timeout ended before a completion arrived.</summary>
    ETIME = 62,

    /// <summary>Value too large for its type: a size or offset the call cannot represent.</summary>
    EOVERFLOW = 75,

    /// <summary>Disk quota exceeded for the user or project writing the file.</summary>
    EDQUOT = 122,

    /// <summary>Canceled: a request's <see cref="CancellationToken"/> fired, or the device ended the bio with <see cref="PinIo.Block.BlkStatus.Canceled"/>. Thrown as <see cref="DirectIoCanceledException"/> when no byte moved.</summary>
    ECANCELED = 125,
}
