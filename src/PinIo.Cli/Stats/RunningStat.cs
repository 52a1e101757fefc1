namespace PinIo.Cli.Stats;

/// <summary>
/// Min, max, mean and standard deviation of a stream of samples (fio's struct io_stat), by
/// Welford's update so that long runs lose no precision; the deviation is the sample one
/// (n - 1), as fio prints it.
/// </summary>
internal sealed class RunningStat
{
    private double _s;

    public long Min { get; private set; } = long.MaxValue;

    public long Max { get; private set; }

    public double Mean { get; private set; }

    public long Samples { get; private set; }

    public double StdDev => Samples > 1 ? Math.Sqrt(_s / (Samples - 1)) : 0;

    public void Add(long value)
    {
        Samples++;
        if (value < Min)
        {
            Min = value;
        }
        if (value > Max)
        {
            Max = value;
        }
        double delta = value - Mean;
        Mean += delta / Samples;
        _s += delta * (value - Mean);
    }

    /// <summary>Adds every sample of <paramref name="other"/> (Chan's parallel combination).</summary>
    public void Merge(RunningStat other)
    {
        if (other.Samples == 0)
        {
            return;
        }
        if (Samples == 0)
        {
            (Min, Max, Mean, Samples, _s) = (other.Min, other.Max, other.Mean, other.Samples, other._s);
            return;
        }
        long n = Samples + other.Samples;
        double delta = other.Mean - Mean;
        _s += other._s + (delta * delta * Samples * other.Samples / n);
        Mean += delta * other.Samples / n;
        Samples = n;
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
        if (other.Samples == 0)
        {
            return;
        }
        if (Samples == 0)
        {
            (Min, Max, Mean, Samples, _s) = (other.Min, other.Max, other.Mean, other.Samples, other._s);
            return;
        }
        Min += other.Min;
        Max += other.Max;
        Mean += other.Mean;
        Samples += other.Samples;
        _s += other._s;
    }

    /// <summary>A copy, so that merging into it leaves this one as it is.</summary>
    public RunningStat Clone() => new() { Min = Min, Max = Max, Mean = Mean, Samples = Samples, _s = _s };
}
