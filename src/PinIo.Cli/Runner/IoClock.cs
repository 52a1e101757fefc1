// Follows fio's gtod_reduce() (init.c), its time.c conversions and gettime.c's clocksource=cpu in meaning.
using System.Diagnostics;
using System.Runtime.CompilerServices;
using PinIo.Linux;

namespace PinIo.Cli.Runner;

/// <summary>
/// The job's clock for I/O stamps, in <see cref="Stopwatch"/> ticks. Where the kernel keeps
/// time by the TSC, a stamp is the counter scaled to ticks from an anchor taken when the job's
/// clock is made (fio's clocksource=cpu, its default where the TSC is invariant): about half the
/// cost of a clock_gettime, read twice per I/O. The scale is measured against the
/// <see cref="Stopwatch"/> from the process's first clock on, so it only sharpens; over a job it
/// errs by parts per hundred thousand at most, which moves no latency. Elsewhere the
/// <see cref="Stopwatch"/> itself. With a reduced clock (gtod_reduce, or every latency and
/// bandwidth measurement off, and no log that wants times) nothing reads an I/O's submission
/// or completion stamp, so none is taken: the I/O's start stands in for them (never 0, which
/// the completion path reads as "not ended").
/// </summary>
internal sealed class IoClock
{
    private static readonly double s_nsPerTick = 1e9 / Stopwatch.Frequency;
    private static readonly bool s_ticksAreNs = Stopwatch.Frequency == 1_000_000_000;

    // The first clock's reading of both: the baseline every later scale is measured over.
    private static readonly (ulong Tsc, long Ticks) s_base = TscCounter.Available ? ReadBoth() : default;

    private readonly ulong _tscAnchor;
    private readonly long _ticksAnchor;

    // Ticks per count, times 2^32; 0 without the TSC.
    private readonly ulong _scale;

    public IoClock(bool reduced)
    {
        Reduced = reduced;
        if (!TscCounter.Available)
        {
            return;
        }
        (ulong tsc, long ticks) = ReadBoth();
        long minBaseline = Stopwatch.Frequency / 500;
        while (ticks - s_base.Ticks < minBaseline)
        {
            // The first job of a process: 2 ms between the two readings bound the scale's error by ~1e-5.
            Thread.SpinWait(64);
            (tsc, ticks) = ReadBoth();
        }
        if (tsc <= s_base.Tsc)
        {
            return;
        }
        _scale = (ulong)(((UInt128)(ulong)(ticks - s_base.Ticks) << 32) / (tsc - s_base.Tsc));
        (_tscAnchor, _ticksAnchor) = (tsc, ticks);
    }

    public bool Reduced { get; }

    /// <summary>Now, in ticks.</summary>
    public long Now()
    {
        if (_scale == 0)
        {
            return Stopwatch.GetTimestamp();
        }
        ulong counted = TscCounter.Read() - _tscAnchor;
        if ((long)counted < 0)
        {
            // Another CPU's counter a few cycles behind the anchor's: not before the anchor.
            counted = 0;
        }
        return _ticksAnchor + (long)Scale(counted, _scale);
    }

    /// <summary>
    /// (<paramref name="counted"/> × <paramref name="scale"/>) / 2^32, to 64 bits, from four
    /// 32-bit products: the portable x64 binary has no BMI2, and <see cref="Math.BigMul(ulong, ulong, out ulong)"/>
    /// there is a call to a software fallback on every stamp. Wrapping sums are exact here, as
    /// only the low 64 bits of the quotient are kept.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Scale(ulong counted, ulong scale)
    {
        ulong countHigh = counted >> 32, countLow = (uint)counted;
        ulong scaleHigh = scale >> 32, scaleLow = (uint)scale;
        return (countHigh * scaleHigh << 32) + (countHigh * scaleLow) + (countLow * scaleHigh) + (countLow * scaleLow >> 32);
    }

    /// <summary>Now, or with a reduced clock the I/O's start.</summary>
    public long Stamp(IoSlot slot) => Reduced ? slot.StartedAt : Now();

    public static long UsToTicks(long us) => (long)(us * (Stopwatch.Frequency / 1e6));

    /// <summary>Ticks in nanoseconds: the ticks themselves where the Stopwatch counts nanoseconds (Linux), three times per I/O without a floating-point round trip.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long TicksToNs(long ticks) => s_ticksAreNs ? ticks : (long)(ticks * s_nsPerTick);

    public static long TicksToMs(long ticks) => (long)Math.Round(ticks * 1000.0 / Stopwatch.Frequency);

    /// <summary>The counter and the ticks at one moment: of three tries, the one whose two counter reads bracket the tick read closest.</summary>
    private static (ulong Tsc, long Ticks) ReadBoth()
    {
        (ulong Tsc, long Ticks) best = default;
        ulong bestSpan = ulong.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            ulong before = TscCounter.Read();
            long ticks = Stopwatch.GetTimestamp();
            ulong after = TscCounter.Read();
            if (after - before < bestSpan)
            {
                bestSpan = after - before;
                best = (before + ((after - before) / 2), ticks);
            }
        }
        return best;
    }
}
