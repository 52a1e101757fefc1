// Follows fio's gtod_reduce() (init.c) and its time.c conversions in meaning.
using System.Diagnostics;

namespace PinIo.Cli.Runner;

/// <summary>
/// The job's clock for I/O stamps. With a reduced clock (gtod_reduce, or every latency and
/// bandwidth measurement off, and no log that wants times) nothing reads an I/O's submission
/// or completion stamp, so none is taken: the I/O's start stands in for them (never 0, which
/// the completion path reads as "not ended").
/// </summary>
internal sealed class IoClock(bool reduced)
{
    private static readonly double s_nsPerTick = 1e9 / Stopwatch.Frequency;

    public bool Reduced { get; } = reduced;

    /// <summary>Now, or with a reduced clock the I/O's start.</summary>
    public long Stamp(IoSlot slot) => Reduced ? slot.StartedAt : Stopwatch.GetTimestamp();

    public static long UsToTicks(long us) => (long)(us * (Stopwatch.Frequency / 1e6));

    public static long TicksToNs(long ticks) => (long)(ticks * s_nsPerTick);

    public static long TicksToMs(long ticks) => (long)Math.Round(ticks * 1000.0 / Stopwatch.Frequency);
}
