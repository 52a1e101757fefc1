using System.Runtime.CompilerServices;

namespace PinIo.Cli.Stats;

/// <summary>
/// Min, max, mean and standard deviation of a stream of samples (fio's struct io_stat); the
/// deviation is the sample one (n - 1), as fio prints it. A sample costs no division: it adds
/// its distance from the stream's first sample (the shift) and that distance's square into
/// exact 128-bit sums, and the mean and deviation are worked out from the sums when read — the
/// shift keeps them free of the cancellation that raw sums of squares suffer. Merged streams
/// are held as a mean and a sum of squared deviations (Chan's parallel combination).
/// </summary>
internal sealed class RunningStat
{
    // The samples added since the last fold, as exact sums of their distance from _shift.
    private long _shift;
    private long _pending;
    private Int128 _sum;
    private UInt128 _sumOfSquares;

    // The samples folded in by Merge and SumRates: their mean and sum of squared deviations.
    private long _folded;
    private double _foldedMean;
    private double _foldedS;

    public long Min { get; private set; } = long.MaxValue;

    public long Max { get; private set; }

    public double Mean => Combined().Mean;

    public long Samples => _folded + _pending;

    public double StdDev
    {
        get
        {
            (long n, _, double s) = Combined();
            return n > 1 ? Math.Sqrt(s / (n - 1)) : 0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // three per I/O: no call, no frame
    public void Add(long value)
    {
        if (_pending == 0)
        {
            _shift = value;
        }
        _pending++;
        if (value < Min)
        {
            Min = value;
        }
        if (value > Max)
        {
            Max = value;
        }
        long distance = value - _shift;
        _sum += distance;
        ulong magnitude = (ulong)(distance < 0 ? -distance : distance);
        if (magnitude <= uint.MaxValue)
        {
            // The common case (a latency within 4 s of the first): the square fits 64 bits, and
            // the portable x64 binary's 128-bit product is a call to a software fallback.
            _sumOfSquares += magnitude * magnitude;
            return;
        }
        AddWideSquare(magnitude);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddWideSquare(ulong magnitude)
    {
        ulong high = Math.BigMul(magnitude, magnitude, out ulong low);
        _sumOfSquares += new UInt128(high, low);
    }

    /// <summary>Adds every sample of <paramref name="other"/> (Chan's parallel combination).</summary>
    public void Merge(RunningStat other)
    {
        (long otherN, double otherMean, double otherS) = other.Combined();
        if (otherN == 0)
        {
            return;
        }
        Fold();
        if (_folded == 0)
        {
            (_folded, _foldedMean, _foldedS) = (otherN, otherMean, otherS);
        }
        else
        {
            (_folded, _foldedMean, _foldedS) = Combine(_folded, _foldedMean, _foldedS, otherN, otherMean, otherS);
        }
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>
    /// fio's "pure sum" of two jobs' rate samples under group_reporting: bandwidth and IOPS of
    /// jobs that ran side by side add up, so min, max, mean and the sum of squares are added
    /// rather than combined as one population (stat.c sum_stat with pure_sum).
    /// </summary>
    public void SumRates(RunningStat other)
    {
        (long otherN, double otherMean, double otherS) = other.Combined();
        if (otherN == 0)
        {
            return;
        }
        Fold();
        if (_folded == 0)
        {
            (_folded, _foldedMean, _foldedS, Min, Max) = (otherN, otherMean, otherS, other.Min, other.Max);
            return;
        }
        Min += other.Min;
        Max += other.Max;
        _foldedMean += otherMean;
        _folded += otherN;
        _foldedS += otherS;
    }

    /// <summary>A copy, so that merging into it leaves this one as it is.</summary>
    public RunningStat Clone()
    {
        (long n, double mean, double s) = Combined();
        return new RunningStat { Min = Min, Max = Max, _folded = n, _foldedMean = mean, _foldedS = s };
    }

    /// <summary>The pending sums folded into the mean and the squared deviations.</summary>
    private void Fold()
    {
        (_folded, _foldedMean, _foldedS) = Combined();
        (_pending, _sum, _sumOfSquares) = (0, 0, 0);
    }

    /// <summary>Every sample's count, mean and sum of squared deviations from the mean; reads only.</summary>
    private (long N, double Mean, double S) Combined()
    {
        if (_pending == 0)
        {
            return (_folded, _foldedMean, _foldedS);
        }
        double sum = (double)_sum;
        double pendingMean = _shift + (sum / _pending);
        double pendingS = Math.Max(0, (double)_sumOfSquares - (sum * sum / _pending));
        return _folded == 0 ? (_pending, pendingMean, pendingS) : Combine(_folded, _foldedMean, _foldedS, _pending, pendingMean, pendingS);
    }

    private static (long N, double Mean, double S) Combine(long na, double ma, double sa, long nb, double mb, double sb)
    {
        long n = na + nb;
        double delta = mb - ma;
        return (n, ma + (delta * nb / n), sa + sb + (delta * delta * na * nb / n));
    }
}
