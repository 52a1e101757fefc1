// Follows sched_setaffinity(2), sched_getaffinity(2) and sysconf(3) (_SC_NPROCESSORS_CONF).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    internal const int _SC_NPROCESSORS_CONF = 83; // bits/confname.h (glibc)

    /// Wraps sched_setaffinity(2); pid 0 is the calling thread (a tid, not the process).
    [LibraryImport(Libc, EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SysSchedSetaffinity(int pid, nuint cpusetsize, ulong* mask);

    /// Wraps sched_getaffinity(2); pid 0 is the calling thread.
    [LibraryImport(Libc, EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static unsafe partial int SysSchedGetaffinity(int pid, nuint cpusetsize, ulong* mask);

    /// Wraps sysconf(3).
    [LibraryImport(Libc, EntryPoint = "sysconf", SetLastError = true)]
    private static partial long SysSysconf(int name);

    /// <summary>Returns 0 or -errno (EINVAL when no CPU of the mask is online and allowed by the cpuset).</summary>
    internal static unsafe int SchedSetaffinity(int pid, ReadOnlySpan<ulong> mask)
    {
        fixed (ulong* p = mask)
        {
            return SysSchedSetaffinity(pid, (nuint)(mask.Length * sizeof(ulong)), p) == 0 ? 0 : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>Returns 0 with the mask filled, or -errno (EINVAL when the mask is smaller than the kernel's cpumask).</summary>
    internal static unsafe int SchedGetaffinity(int pid, Span<ulong> mask)
    {
        fixed (ulong* p = mask)
        {
            // glibc's wrapper returns 0 once it has cleared the bytes past what the kernel copied.
            return SysSchedGetaffinity(pid, (nuint)(mask.Length * sizeof(ulong)), p) >= 0 ? 0 : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>The value of a sysconf(3) name, or -errno (-EINVAL for an unknown name).</summary>
    internal static long Sysconf(int name)
    {
        Marshal.SetLastPInvokeError(0);
        long value = SysSysconf(name);
        if (value >= 0)
        {
            return value;
        }
        int errno = Marshal.GetLastPInvokeError();
        return -(errno == 0 ? (int)Errno.EINVAL : errno);
    }
}
