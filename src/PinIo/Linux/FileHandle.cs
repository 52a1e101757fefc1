// Follows open(2) and close(2).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

/// <summary>
/// An owned file descriptor; -1 (any negative value) is invalid. Dispose, or the finalizer,
/// closes it with close(2) exactly once. P/Invoke signatures take it as a
/// <see cref="SafeHandle"/>, so a descriptor cannot be closed and reused under a running call.
/// </summary>
internal sealed class FileDescriptor : SafeHandle
{
    public FileDescriptor()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    public FileDescriptor(int fd, bool ownsHandle)
        : base(invalidHandleValue: -1, ownsHandle)
    {
        SetHandle(fd);
    }

    public override bool IsInvalid => handle < 0;

    /// <summary>
    /// The raw number, for calls that need an int (io_uring SQEs, registered file tables).
    /// Valid only while this object is alive and not disposed.
    /// </summary>
    public int DangerousFd => (int)handle;

    /// <summary>
    /// Opens <paramref name="path"/> with O_CLOEXEC added (a descriptor under Direct I/O
    /// must not leak into child processes such as a spawned fio). Throws
    /// <see cref="DirectIoException"/> with a message that says what to change.
    /// </summary>
    public static FileDescriptor Open(string path, int flags, uint mode = Interop.DefaultCreateMode)
    {
        int fd = Interop.Open(path, flags | Interop.O_CLOEXEC, mode);
        Errors.CheckOpen(fd, path, flags);
        return new FileDescriptor(fd, ownsHandle: true);
    }

    /// <summary>Returns 0 and the descriptor, or -errno and null; as <see cref="Open"/> otherwise.</summary>
    public static int TryOpen(string path, int flags, uint mode, out FileDescriptor? descriptor)
    {
        int fd = Interop.Open(path, flags | Interop.O_CLOEXEC, mode);
        descriptor = fd >= 0 ? new FileDescriptor(fd, ownsHandle: true) : null;
        return fd >= 0 ? 0 : fd;
    }

    // close(2) failing with EBADF means someone closed our descriptor behind our back: a bug
    // worth the runtime's releaseHandleFailed report. EINTR and EIO still released it.
    protected override bool ReleaseHandle() => Interop.Close((int)handle) != -(int)Errno.EBADF;
}
