// Follows fcntl(2) F_GETFL/F_SETFL: the status flags of an open descriptor.
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;

    /// Wraps fcntl(2). It is variadic in C; on x86_64 and arm64 Linux an int third argument
    /// passes as in a non-variadic call.
    [LibraryImport(Libc, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int SysFcntl(int fd, int cmd, int arg);

    /// <summary>Returns the result (flags for F_GETFL, 0 for F_SETFL) or -errno.</summary>
    internal static int Fcntl(int fd, int cmd, int arg)
    {
        int res = SysFcntl(fd, cmd, arg);
        return res >= 0 ? res : -Marshal.GetLastPInvokeError();
    }
}

/// <summary>
/// Turns O_DIRECT on for a descriptor opened without it — how a handle .NET opened (its
/// FileOptions have no O_DIRECT bit) gets Direct I/O. Internal to PinIo and its CLI, whose
/// <c>ioengine=dotnet</c> baseline needs it.
/// </summary>
internal static class DescriptorFlags
{
    /// <summary>The status flags and access mode of <paramref name="fd"/> (fcntl F_GETFL), or -errno.</summary>
    public static int Get(int fd) => Interop.Fcntl(fd, Interop.F_GETFL, 0);

    /// <summary>Whether <paramref name="flags"/> (from <see cref="Get"/>) include O_DIRECT.</summary>
    public static bool IsDirect(int flags) => (flags & Interop.O_DIRECT) != 0;

    /// <summary>Whether <paramref name="flags"/> (from <see cref="Get"/>) include O_DSYNC.</summary>
    public static bool IsDsync(int flags) => (flags & Interop.O_DSYNC) == Interop.O_DSYNC;

    /// <summary>Whether <paramref name="flags"/> (from <see cref="Get"/>) open the file for reading only.</summary>
    public static bool IsReadOnly(int flags) => (flags & Interop.O_ACCMODE) == Interop.O_RDONLY;

    /// <summary>Sets O_DIRECT on <paramref name="fd"/>; returns whether the kernel kept it, or -errno of the failing call.</summary>
    public static int TrySetDirect(int fd, out bool direct)
    {
        direct = false;
        int flags = Interop.Fcntl(fd, Interop.F_GETFL, 0);
        if (flags < 0)
        {
            return flags;
        }
        int res = Interop.Fcntl(fd, Interop.F_SETFL, flags | Interop.O_DIRECT);
        if (res < 0)
        {
            return res;
        }
        int now = Interop.Fcntl(fd, Interop.F_GETFL, 0);
        if (now < 0)
        {
            return now;
        }
        direct = (now & Interop.O_DIRECT) != 0;
        return 0;
    }
}
