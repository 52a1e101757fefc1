// Follows open(2) and close(2); flag values from include/uapi/asm-generic/fcntl.h.
using System.Runtime.InteropServices;

namespace PinIo.Linux;

/// <summary>
/// Every system call PinIo makes, one concern per file. The raw imports return what libc
/// returns; each has a wrapper that returns the result or <c>-errno</c> (liburing style), so
/// that callers test <c>res &lt; 0</c> and hand failures to <see cref="Errors"/>.
/// </summary>
internal static partial class Interop
{
    // The runtime maps "libc" to the C library's real soname (libc.so.6 on glibc).
    internal const string Libc = "libc";

    internal const int O_RDONLY = 0x0;
    internal const int O_WRONLY = 0x1;
    internal const int O_RDWR = 0x2;
    internal const int O_ACCMODE = 0x3;
    internal const int O_CREAT = 0x40;
    internal const int O_EXCL = 0x80;
    internal const int O_TRUNC = 0x200;
    internal const int O_DSYNC = 0x1000;
    internal const int O_SYNC = 0x101000; // __O_SYNC | O_DSYNC
    internal const int O_CLOEXEC = 0x80000;

    /// <summary>
    /// 0x4000 is the asm-generic value that x86_64 uses; arm64 moves O_DIRECT to 0x10000
    /// (arch/arm64/include/uapi/asm/fcntl.h), so it is chosen per process architecture.
    /// </summary>
    internal static readonly int O_DIRECT =
        RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 0x10000 : 0x4000;

    /// <summary>rw-r--r--, the mode a created file gets before the umask.</summary>
    internal const uint DefaultCreateMode = 0x1A4; // 0644

    /// Wraps open(2).
    // open is variadic in C (mode is read only with O_CREAT); on the x86_64 and arm64 Linux
    // ABIs a variadic int is passed exactly like a named one, so a fixed third argument works.
    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysOpen(string path, int flags, uint mode);

    /// Wraps close(2).
    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int SysClose(int fd);

    /// <summary>Returns the new descriptor, or -errno. The caller owns the descriptor.</summary>
    internal static int Open(string path, int flags, uint mode)
    {
        int fd = SysOpen(path, flags, mode);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// Returns 0 or -errno. The descriptor is released even when close reports an error
    /// (EINTR or EIO): retrying could close a descriptor another thread has just opened.
    /// </summary>
    internal static int Close(int fd) => SysClose(fd) == 0 ? 0 : -Marshal.GetLastPInvokeError();
}
