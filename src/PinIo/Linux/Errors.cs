// Follows errno(3), open(2) ERRORS, io_uring_setup(2) ERRORS and io_setup(2) ERRORS.
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace PinIo.Linux;

/// <summary>
/// The one place where a -errno from <see cref="Interop"/> becomes an exception: a
/// <see cref="DirectIoException"/> whose message says what the caller has to change. Throws
/// stay out of line (<see cref="ThrowHelper"/> pattern) so that checking callers stay small.
/// </summary>
internal static class Errors
{
    /// <summary>
    /// Returns <paramref name="result"/> when it is not negative; otherwise throws for
    /// -result. <paramref name="what"/> names the call as the message should ("pwritev2",
    /// "fsync"); <paramref name="path"/> is the file involved, when there is one.
    /// </summary>
    public static int Check(int result, string what, string? path = null)
    {
        if (result < 0)
        {
            Throw((Errno)(-result), what, path);
        }

        return result;
    }

    /// <summary>As <see cref="Check"/>, for open(2) with the flags it was given, which sharpen the advice.</summary>
    public static int CheckOpen(int result, string path, int flags)
    {
        if (result < 0)
        {
            ThrowOpen((Errno)(-result), path, flags);
        }

        return result;
    }

    [DoesNotReturn]
    public static void Throw(Errno errno, string what, string? path) => throw Create(errno, what, path);

    [DoesNotReturn]
    public static void ThrowOpen(Errno errno, string path, int flags) => throw CreateOpen(errno, path, flags);

    [DoesNotReturn]
    public static void ThrowIoUringSetup(Errno errno, uint entries, uint flags) =>
        throw CreateIoUringSetup(errno, entries, flags);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static DirectIoException Create(Errno errno, string what, string? path) =>
        new(errno, Describe(errno, what, path));

    /// <summary>
    /// open(2) refuses O_DIRECT with EINVAL when the file system cannot do it
    /// (do_dentry_open without FMODE_CAN_ODIRECT); that case is reported as EOPNOTSUPP, the
    /// error PinIo's contract gives for it, so that callers can tell it from misalignment.
    /// A directory opened read-only gets the same EINVAL (directories have no direct I/O on
    /// any file system; opened for writing they get EISDIR first): it is reported as EISDIR.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static DirectIoException CreateOpen(Errno errno, string path, int flags)
    {
        bool writing = (flags & Interop.O_ACCMODE) != Interop.O_RDONLY;
        if (errno == Errno.EINVAL && (flags & Interop.O_DIRECT) != 0 && IsDirectory(path))
        {
            errno = Errno.EISDIR;
        }
        else if (errno == Errno.EINVAL && (flags & Interop.O_DIRECT) != 0)
        {
            return new(Errno.EOPNOTSUPP,
                $"the file system under '{path}' refuses O_DIRECT (open returned EINVAL): " +
                "use a file on ext4/xfs/btrfs/tmpfs or a block device, or open without O_DIRECT");
        }

        return (errno, writing) switch
        {
            (Errno.EROFS, _) => new(errno,
                $"'{path}' was opened for writing on a read-only file system: open it read-only or use a writable mount"),
            (Errno.EACCES, true) => new(errno,
                $"'{path}' was opened for writing but this process may not write it: " +
                "open it read-only, or change its permissions or those of its directory"),
            (Errno.EEXIST, _) => new(errno,
                $"'{path}' already exists and O_EXCL was given: remove it first or open it without O_EXCL"),
            (Errno.EISDIR, _) => new(errno,
                $"'{path}' is a directory: give a regular file or a block device"),
            _ => Create(errno, "open", path),
        };
    }

    /// <summary>
    /// io_uring_setup(2) ERRORS. A ring that asked for SQPOLL or IOPOLL gets advice about
    /// those: the caller asked for them by name, so turning them off is the change to offer.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static DirectIoException CreateIoUringSetup(Errno errno, uint entries, uint flags)
    {
        const string Fallback = "the Sync engine (preadv2/pwritev2) works without it";
        bool sqPoll = (flags & Interop.IORING_SETUP_SQPOLL) != 0;
        bool polling = (flags & (Interop.IORING_SETUP_SQPOLL | Interop.IORING_SETUP_IOPOLL)) != 0;
        string message = errno switch
        {
            Errno.EPERM when sqPoll => "io_uring_setup refused a kernel submission thread (IORING_SETUP_SQPOLL: " +
                "SubmissionPolling, fio's sqthread_poll): before Linux 5.11 it needs CAP_SYS_ADMIN, and io_uring may be " +
                "disabled for this process (sysctl kernel.io_uring_disabled, or a seccomp or container policy): " +
                "run with that privilege, or turn SubmissionPolling off",
            Errno.ENOSYS or Errno.EPERM when polling => "io_uring is not available to this process (io_uring_setup " +
                $"returned {errno}): SubmissionPolling and CompletionPolling (fio's sqthread_poll and hipri) need it; " +
                "turn them off, and the Sync engine takes over",
            Errno.EINVAL when (flags & Interop.IORING_SETUP_SQ_AFF) != 0 => "io_uring_setup refused to bind the " +
                "submission thread: SubmissionPollCpu (fio's sqthread_poll_cpu) must be an online CPU this process " +
                "may run on (see taskset -p and /sys/devices/system/cpu/online)",
            Errno.ENOSYS => $"io_uring is not available in this kernel (io_uring_setup is not implemented): {Fallback}",
            Errno.EPERM => "io_uring is disabled for this process (sysctl kernel.io_uring_disabled, " +
                $"or a seccomp or container policy): {Fallback}",
            Errno.ENOMEM => $"io_uring_setup could not allocate a ring of {entries} entries: " +
                "use fewer entries or raise RLIMIT_MEMLOCK (ulimit -l)",
            Errno.EINVAL => $"io_uring_setup refused {entries} entries with flags 0x{flags:x}: " +
                "use 1 to 32768 entries and only flags this kernel knows",
            Errno.EMFILE or Errno.ENFILE => "io_uring_setup found no free file descriptor: " +
                "close files or raise the limit (ulimit -n)",
            _ => $"io_uring_setup failed: {Fallback}",
        };
        return new DirectIoException(errno, message);
    }

    /// <summary>io_setup(2) ERRORS: the libaio engine was asked for by name, so the advice is to change what it needs, or the engine.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static DirectIoException CreateIoSetup(Errno errno, uint maxEvents)
    {
        const string Otherwise = "or use IoEngine.IoUring or IoEngine.Sync";
        string message = errno switch
        {
            Errno.EAGAIN => $"io_setup: {maxEvents} more AIO events would pass the system's limit (sysctl fs.aio-max-nr; " +
                $"fs.aio-nr counts those in use): lower QueueDepth, close other native AIO users, raise fs.aio-max-nr, {Otherwise}",
            Errno.ENOSYS => $"native AIO is not available (io_setup is not implemented by this kernel, CONFIG_AIO, or on this architecture): {Otherwise[3..]}",
            Errno.ENOMEM => $"io_setup could not allocate a context for {maxEvents} events: lower QueueDepth, {Otherwise}",
            Errno.EINVAL => $"io_setup refused {maxEvents} events: use a smaller QueueDepth",
            _ => $"io_setup failed: {Otherwise[3..]}",
        };
        return new DirectIoException(errno, message);
    }

    private static bool IsDirectory(string path) =>
        StatxInfo.TryGet(path, out StatxInfo info) == 0 && (info.Mode & Interop.S_IFMT) == Interop.S_IFDIR;

    private static string Describe(Errno errno, string what, string? path)
    {
        string on = path is null ? string.Empty : $" on '{path}'";
        string under = path is null ? string.Empty : $" under '{path}'";
        string file = path is null ? "the file" : $"'{path}'";
        return errno switch
        {
            Errno.ENOENT when path is not null => $"'{path}' does not exist: check the path",
            Errno.ENOENT => $"{what}: a file it needs does not exist",
            Errno.ENOTDIR => $"a component of {file}'s path is not a directory: check the path",
            Errno.ENAMETOOLONG => $"{file} has too long a path: use a shorter one",
            Errno.ELOOP => $"{file} has too many levels of symbolic links: resolve the loop",
            Errno.EACCES => $"{what}{on} was denied: check the permissions of the file and its directories",
            Errno.EPERM => $"{what}{on} is not permitted for this process: run with the needed privilege",
            Errno.EROFS => $"{what}{on} needs to write, but the file system is read-only: use a writable mount",
            Errno.ENOSPC => $"no space left on the device{under}: free space or use a smaller size",
            Errno.EDQUOT => $"the disk quota{under} is exhausted: free space or raise the quota",
            Errno.EFBIG => $"{what}{on} would exceed the largest file size the file system allows",
            Errno.EINVAL => $"{what}{on} was refused as invalid: with O_DIRECT the offset, the length and " +
                "the buffer address must be multiples of the alignment statx reports (STATX_DIOALIGN)",
            Errno.EOPNOTSUPP => $"{what} is not supported by the file system{under}: use another file system or skip the call",
            Errno.EISDIR => $"{file} is a directory: give a regular file or a block device",
            Errno.EEXIST => $"{file} already exists",
            Errno.ENOTBLK => $"{file} is not a block device: give a block device such as /dev/nvme0n1",
            Errno.ENOTTY => $"{what} does not apply to {file}: it needs a block device",
            Errno.ENXIO or Errno.ENODEV => $"{what}{on}: no such device, or the device has no driver",
            Errno.EMFILE or Errno.ENFILE => "too many open files: close files or raise the limit (ulimit -n)",
            Errno.ENOMEM => $"{what}: out of memory (for pinned or registered memory, raise RLIMIT_MEMLOCK)",
            Errno.EIO => $"{what}{on} failed with a device I/O error: check the device and the kernel log (dmesg)",
            Errno.EFAULT => $"{what} was given a buffer address that is not mapped in this process",
            Errno.EBADF => $"{what} was given a closed descriptor, or one opened without the access it needs",
            Errno.EAGAIN => $"{what}{on} would block (RWF_NOWAIT or a full queue): retry later",
            Errno.EINTR => $"{what}{on} was interrupted by a signal: retry it",
            Errno.EBUSY => $"{what}{on}: the device or resource is busy",
            Errno.ENOSYS => $"{what} is not implemented by this kernel",
            Errno.EOVERFLOW => $"{what}{on}: a value does not fit the type the call returns",
            Errno.ECANCELED => $"{what}{on} was canceled",
            Errno.ETIME => $"{what} timed out",
            _ => $"{what}{on} failed",
        };
    }
}
