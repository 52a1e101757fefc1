// Follows fio's time.c (usec_sleep, usec_spin) in meaning, not in code.
using System.Diagnostics;

namespace PinIo.Cli.Runner;

/// <summary>
/// The job thread's waits for pacing (rate, thinktime, flow): asleep in the kernel, never
/// spinning, woken early when the job is stopped. The wait is in whole milliseconds (the
/// runtime's timed wait), rounded up, so a wait ends at or after its time; the pacers keep
/// their schedules from the phase's start, so a late wake-up is caught up, not accumulated.
/// Allocates nothing.
/// </summary>
internal static class Pause
{
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
            long ms = ((left * 1000) + Stopwatch.Frequency - 1) / Stopwatch.Frequency;
            ct.WaitHandle.WaitOne((int)Math.Min(int.MaxValue - 1, ms));
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
