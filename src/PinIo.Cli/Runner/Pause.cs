// Follows fio's time.c (usec_sleep, usec_spin) in meaning, not in code.
using System.Diagnostics;

namespace PinIo.Cli.Runner;

/// <summary>
/// The job thread's waits for pacing (rate, thinktime, flow): asleep in the kernel, never
/// spinning, woken early when the job is stopped. The wait is in whole milliseconds, rounded up, so a wait ends at or after its time; the pacers keep
/// their schedules from the phase's start, so a late wake-up is caught up, not accumulated.
/// Allocates nothing.
/// </summary>
internal static class Pause
{
    /// <summary>The longest sleep between looks at the token: how late a stopped job notices.</summary>
    private const int SliceMs = 10;

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
            // Thread.Sleep (nanosleep) in slices: a timed wait on the token's handle goes through
            // the thread's SynchronizationContext where there is one, and woke late under xunit's.
            long ms = ((left * 1000) + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
            Thread.Sleep((int)Math.Min(SliceMs, ms));
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
