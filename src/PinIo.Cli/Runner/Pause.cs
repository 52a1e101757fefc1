// Follows fio's time.c (usec_sleep, usec_spin) in meaning, not in code.
using System.Diagnostics;

namespace PinIo.Cli.Runner;

/// <summary>
/// The job thread's waits for pacing (rate, thinktime, flow) and the cpuio/exec engines' sleeps: asleep in the kernel, never
/// spinning (clock_nanosleep, to the microsecond), noticing within 10 ms that the job was
/// stopped. A wait ends at or after its time; the pacers keep their schedules from the phase's
/// start, so a late wake-up is caught up, not accumulated. Allocates nothing.
/// </summary>
internal static class Pause
{
    /// <summary>The longest sleep between looks at the token (10 ms): how late a stopped job notices.</summary>
    private static readonly long SliceTicks = Stopwatch.Frequency / 100;

    /// <summary>Sleeps until the Stopwatch time <paramref name="due"/>, or until <paramref name="ct"/> is canceled.</summary>
    public static void Until(long due, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            long left = due - Stopwatch.GetTimestamp();
            if (left <= 0)
            {
                return;
            }
            // Slices, so that a stopped job notices within one; clock_nanosleep, as the runtime's
            // sleeps and timed waits count whole milliseconds (thinktime=100 would pause 1 ms).
            Linux.MonotonicSleep.For(IoClock.TicksToNs(Math.Min(left, SliceTicks)));
        }
    }

    /// <summary>Busy on the CPU until <paramref name="due"/> (thinktime_spin: the job pretends to work on its data).</summary>
    public static void SpinUntil(long due, CancellationToken ct)
    {
        while (Stopwatch.GetTimestamp() < due && !ct.IsCancellationRequested)
        {
            Thread.SpinWait(64);
        }
    }
}
