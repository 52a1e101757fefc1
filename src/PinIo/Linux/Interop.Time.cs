// Follows clock_nanosleep(2) (kernel/time/hrtimer.c: hrtimer_nanosleep).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    private const int ClockMonotonic = 1; // linux/time.h CLOCK_MONOTONIC

    /// Wraps clock_nanosleep(2); returns 0 or the error number itself (not -1 and errno).
    [LibraryImport(Libc, EntryPoint = "clock_nanosleep")]
    private static unsafe partial int SysClockNanosleep(int clockId, int flags, Timespec* request, Timespec* remain);

    /// <summary>Sleeps <paramref name="nanoseconds"/> on CLOCK_MONOTONIC (relative); returns 0, or EINTR when a signal woke it early.</summary>
    internal static unsafe int ClockNanosleep(long nanoseconds)
    {
        var request = new Timespec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        return SysClockNanosleep(ClockMonotonic, 0, &request, null);
    }

    /// <summary>struct timespec on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
