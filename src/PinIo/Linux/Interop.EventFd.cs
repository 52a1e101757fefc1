// Follows eventfd(2): a counter file descriptor that wakes a reader when written.
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;

    /// Wraps eventfd(2).
    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    private static partial int SysEventFd(uint initval, int flags);

    /// Wraps write(2).
    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint SysWrite(int fd, void* buffer, nuint count);

    /// Wraps read(2).
    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint SysRead(int fd, void* buffer, nuint count);

    /// <summary>Returns a new eventfd descriptor, or -errno.</summary>
    internal static int EventFd(uint initialValue, int flags)
    {
        int fd = SysEventFd(initialValue, flags);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Adds <paramref name="value"/> to the eventfd's counter, waking its reader. Returns 0 or -errno.</summary>
    internal static unsafe int EventFdWrite(SafeHandle fd, ulong value)
    {
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            nint res = SysWrite((int)fd.DangerousGetHandle(), &value, sizeof(ulong));
            return res == sizeof(ulong) ? 0 : -Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Takes the eventfd's counter back to zero and returns it, or -errno (EAGAIN for a
    /// counter already at zero on an EFD_NONBLOCK descriptor).
    /// </summary>
    internal static unsafe long EventFdRead(SafeHandle fd)
    {
        bool added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            ulong value;
            nint res = SysRead((int)fd.DangerousGetHandle(), &value, sizeof(ulong));
            return res == sizeof(ulong) ? (long)value : -Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }
}
