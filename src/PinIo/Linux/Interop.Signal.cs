// Follows kill(2) and include/uapi/asm-generic/signal.h.
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    internal const int SIGKILL = 9;
    internal const int SIGTERM = 15;

    /// Wraps kill(2).
    [LibraryImport(Libc, EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);

    /// <summary>Returns 0 or -errno (ESRCH: no such process, or one already reaped).</summary>
    internal static int Kill(int pid, int signal) => SysKill(pid, signal) == 0 ? 0 : -Marshal.GetLastPInvokeError();
}
