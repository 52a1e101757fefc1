// Follows ioprio_set(2) and ioprio_get(2) (block/ioprio.c; include/uapi/linux/ioprio.h).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    /// <summary>IOPRIO_WHO_PROCESS: "which" for one thread (with who 0, the calling thread).</summary>
    internal const int IOPRIO_WHO_PROCESS = 1;

    // The ioprio calls predate the unified syscall table: their numbers differ by architecture
    // (elsewhere they are reported as not implemented).
    private static readonly (long Set, long Get) IoprioSyscalls = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => (251, 252),
        Architecture.Arm64 => (30, 31),
        _ => (-1, -1),
    };

    /// Wraps ioprio_set(2) through syscall(2) (glibc has no wrapper).
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long SysIoprioSet(long number, int which, int who, int ioprio);

    /// Wraps ioprio_get(2) through syscall(2).
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long SysIoprioGet(long number, int which, int who);

    /// <summary>Sets the calling thread's I/O priority; returns 0 or -errno (EINVAL for a bad class or level, EPERM for real time without the capability).</summary>
    internal static int IoprioSetThread(ushort ioprio) =>
        IoprioSyscalls.Set < 0 ? -(int)Errno.ENOSYS
        : SysIoprioSet(IoprioSyscalls.Set, IOPRIO_WHO_PROCESS, 0, ioprio) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <summary>The calling thread's I/O priority, or -errno.</summary>
    internal static int IoprioGetThread()
    {
        if (IoprioSyscalls.Get < 0)
        {
            return -(int)Errno.ENOSYS;
        }
        long res = SysIoprioGet(IoprioSyscalls.Get, IOPRIO_WHO_PROCESS, 0);
        return res >= 0 ? (int)res : -Marshal.GetLastPInvokeError();
    }
}
