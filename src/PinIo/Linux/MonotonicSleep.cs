// Follows clock_nanosleep(2) (kernel/time/hrtimer.c: hrtimer_nanosleep): fio's usec_sleep, to the microsecond.
namespace PinIo.Linux;

/// <summary>
/// A sleep finer than the runtime's (whose Thread.Sleep and timed waits count whole
/// milliseconds): the calling thread sleeps in the kernel on CLOCK_MONOTONIC for the time
/// asked, give or take the thread's timer slack (50 µs by default). Internal to PinIo and its
/// CLI (the pacing of rate=, thinktime, flow_sleep). Allocates nothing.
/// </summary>
internal static class MonotonicSleep
{
    /// <summary>Sleeps about <paramref name="nanoseconds"/>; a signal may end it early (the caller checks its clock).</summary>
    public static void For(long nanoseconds)
    {
        if (nanoseconds > 0)
        {
            _ = Interop.ClockNanosleep(nanoseconds);
        }
    }
}
