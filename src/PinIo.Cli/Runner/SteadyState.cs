// Follows fio's steadystate.c (steadystate_deviation, steadystate_slope) in meaning, not in code.
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>What steady-state detection found for a job (or its group under group_reporting): fio's JSON "steadystate" object.</summary>
internal sealed record SteadyStateResult(
    SteadyStateSpec Spec,
    int DurationSeconds,
    bool Attained,
    double Criterion,
    double MaxDeviation,
    double Slope,
    long[] Bw,
    long[] Iops)
{
    public long BwMean => Mean(Bw);

    public long IopsMean => Mean(Iops);

    private static long Mean(long[] data) => data.Length == 0 ? 0 : data.Sum() / data.Length;
}

/// <summary>
/// The rolling window of steadystate: the last <c>steadystate_duration / steadystate_check_interval</c>
/// samples of bandwidth (bytes/s) and IOPS. Once full, each new sample is judged: the largest
/// distance of a sample from the window's mean (iops, bw), or the least-squares slope of the
/// samples against their index (iops_slope, bw_slope), as a percentage of the mean when the
/// limit has a %; steady state is attained when that is below the limit.
/// </summary>
internal sealed class SteadyStateWindow(SteadyStateSpec spec, int samples, int durationSeconds)
{
    private readonly long[] _bw = new long[samples];
    private readonly long[] _iops = new long[samples];
    private int _count;
    private int _next;
    private double _criterion;
    private double _deviation;
    private double _slope;

    public bool Attained { get; private set; }

    public bool Full => _count == _bw.Length;

    /// <summary>Adds one sample; returns whether steady state is attained with it.</summary>
    public bool Add(long bw, long iops)
    {
        if (Attained)
        {
            return true;
        }
        _bw[_next] = bw;
        _iops[_next] = iops;
        _next = (_next + 1) % _bw.Length;
        _count = Math.Min(_count + 1, _bw.Length);
        if (!Full)
        {
            return false;
        }
        long[] data = spec.Metric == SteadyStateMetric.Iops ? _iops : _bw;
        double mean = 0;
        for (int i = 0; i < data.Length; i++)
        {
            mean += data[i];
        }
        mean /= data.Length;
        double value = spec.Slope ? Slope(data, mean) : MaxDeviation(data, mean);
        _criterion = spec.Percent ? (mean == 0 ? double.PositiveInfinity : 100.0 * value / mean) : value;
        Attained = Math.Abs(_criterion) < spec.Limit;
        return Attained;
    }

    public SteadyStateResult Result() => new(spec, durationSeconds, Attained, _criterion, _deviation, _slope, Ordered(_bw), Ordered(_iops));

    private double MaxDeviation(long[] data, double mean)
    {
        _deviation = 0;
        foreach (long y in data)
        {
            _deviation = Math.Max(_deviation, Math.Abs(y - mean));
        }
        return _deviation;
    }

    /// <summary>Least squares over x = 0..n-1, oldest sample first.</summary>
    private double Slope(long[] data, double mean)
    {
        int n = data.Length;
        double xMean = (n - 1) / 2.0;
        double sxy = 0;
        double sxx = 0;
        for (int x = 0; x < n; x++)
        {
            double y = data[(_next + x) % n];
            sxy += (x - xMean) * (y - mean);
            sxx += (x - xMean) * (x - xMean);
        }
        _slope = sxx == 0 ? 0 : sxy / sxx;
        return _slope;
    }

    /// <summary>The samples oldest first (fewer than the window when it never filled).</summary>
    private long[] Ordered(long[] data)
    {
        var ordered = new long[_count];
        int start = Full ? _next : 0;
        for (int i = 0; i < _count; i++)
        {
            ordered[i] = data[(start + i) % data.Length];
        }
        return ordered;
    }
}
