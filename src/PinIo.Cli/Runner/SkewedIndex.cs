// Follows fio's lib/zipf.c (zipf_next after Gray et al., pareto_next) and lib/gauss.c in
// purpose; pinio's own code and hashing.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// Non-uniform random indices in [0, n) for random_distribution=:
/// <list type="bullet">
/// <item>zipf:θ — rank r has weight 1/r^θ, drawn by Gray et al.'s method ("Quickly generating
/// billion-record synthetic databases", SIGMOD 1994) from ζ(n, θ) computed once, over at most
/// <see cref="MaxZetaTerms"/> terms as fio caps it;</item>
/// <item>pareto:h — rank (n−1)·u^(ln h / ln(1−h)), so that a share h of the draws falls on a
/// share 1−h of the ranks (h=0.9: 90 % of I/O on 10 % of the blocks);</item>
/// <item>normal:σ — a Gaussian around the center (the middle by default) with σ percent of
/// the region as deviation, redrawn when it falls outside;</item>
/// <item>zoned / zoned_abs — a zone drawn by its share of the I/O, then a uniform index in it
/// (fio's zone_split: zones laid out from the region's start, clipped to it).</item>
/// </list>
/// Zipf and pareto ranks say how hot a block is, not where it is: as fio, they are scattered
/// over the region by a hash and an offset (the center × n when given, else one from the
/// seed), so that hot blocks are not all at the start. A normal draw is a place: it is kept.
/// </summary>
internal sealed class SkewedIndex
{
    /// <summary>fio's ZIPF_MAX_GEN: ζ sums no more terms than this; larger regions reuse it.</summary>
    public const long MaxZetaTerms = 10_000_000;

    private readonly DistributionKind _kind;
    private readonly ulong _n;
    private readonly double _theta;
    private readonly double _zetaN;
    private readonly double _alpha;
    private readonly double _eta;
    private readonly double _halfPowTheta;
    private readonly double _paretoPower;
    private readonly double _mean;
    private readonly double _deviation;
    private readonly ulong _shift;
    private readonly double[] _zoneUpTo = [];
    private readonly long[] _zoneStart = [];
    private readonly long[] _zoneLength = [];
    private Taus88 _rng;

    /// <summary>Indices in [0, <paramref name="n"/>); <paramref name="unit"/> is an index's size in bytes (zoned_abs's spans are bytes).</summary>
    public SkewedIndex(Distribution distribution, long n, ulong seed, int unit = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        _kind = distribution.Kind;
        _n = (ulong)n;
        _rng = new Taus88(seed);
        ulong state = seed;
        _shift = distribution.Center > 0 ? (ulong)(distribution.Center * n) % _n : Taus88.SplitMix64(ref state) % _n;
        switch (_kind)
        {
            case DistributionKind.Zipf:
                _theta = distribution.Parameter;
                _zetaN = Zeta(Math.Min(n, MaxZetaTerms), _theta);
                double zeta2 = Zeta(2, _theta);
                _alpha = 1.0 / (1.0 - _theta);
                _eta = (1.0 - Math.Pow(2.0 / n, 1.0 - _theta)) / (1.0 - (zeta2 / _zetaN));
                _halfPowTheta = Math.Pow(0.5, _theta);
                break;
            case DistributionKind.Pareto:
                _paretoPower = Math.Log(distribution.Parameter) / Math.Log(1.0 - distribution.Parameter);
                break;
            case DistributionKind.Normal:
                _mean = (distribution.Center > 0 ? distribution.Center : 0.5) * n;
                _deviation = distribution.Parameter / 100.0 * n;
                break;
            case DistributionKind.Zoned or DistributionKind.ZonedAbs:
                (_zoneUpTo, _zoneStart, _zoneLength) = LayOutZones(distribution, n, unit);
                break;
            default:
                throw new ArgumentException("a uniform distribution needs no SkewedIndex", nameof(distribution));
        }
    }

    public long Next() => _kind switch
    {
        DistributionKind.Zipf => Scatter(NextZipfRank()),
        DistributionKind.Pareto => Scatter((ulong)((_n - 1) * Math.Pow(Uniform(), _paretoPower))),
        DistributionKind.Zoned or DistributionKind.ZonedAbs => NextZoned(),
        _ => NextNormal(),
    };

    /// <summary>
    /// The zones as index ranges in [0, n), each with the cumulative share of the I/O up to
    /// its end. A zone past the region is dropped and its share goes to the zones before it
    /// (renormalized); an empty last span is the rest of the region.
    /// </summary>
    private static (double[] UpTo, long[] Start, long[] Length) LayOutZones(Distribution distribution, long n, int unit)
    {
        var upTo = new List<double>();
        var start = new List<long>();
        var length = new List<long>();
        long at = 0;
        double share = 0;
        IReadOnlyList<AccessZone> zones = distribution.Zones;
        for (int i = 0; i < zones.Count && at < n; i++)
        {
            long span = zones[i].Span == 0 && i == zones.Count - 1
                ? n - at
                : distribution.Kind == DistributionKind.ZonedAbs ? (long)(zones[i].Span / unit) : (long)Math.Round(zones[i].Span / 100.0 * n);
            span = Math.Clamp(span, 1, n - at);
            share += zones[i].AccessPercent;
            upTo.Add(share);
            start.Add(at);
            length.Add(span);
            at += span;
        }
        // Zones that kept no share of the I/O (the rest fell past the region): equal shares.
        double total = share;
        return total > 0
            ? ([.. upTo.Select(u => u / total)], [.. start], [.. length])
            : ([.. Enumerable.Range(1, start.Count).Select(k => (double)k / start.Count)], [.. start], [.. length]);
    }

    private long NextZoned()
    {
        double u = Uniform();
        int zone = 0;
        while (zone < _zoneUpTo.Length - 1 && u >= _zoneUpTo[zone])
        {
            zone++;
        }
        return _zoneStart[zone] + (long)(Uniform() * _zoneLength[zone]);
    }

    /// <summary>ζ(n, θ) = Σ_{i=1..n} 1/i^θ.</summary>
    public static double Zeta(long n, double theta)
    {
        double sum = 0;
        for (long i = 1; i <= n; i++)
        {
            sum += 1.0 / Math.Pow(i, theta);
        }
        return sum;
    }

    /// <summary>A 0-based zipf rank: 0 is the hottest.</summary>
    private ulong NextZipfRank()
    {
        double u = Uniform();
        double uz = u * _zetaN;
        if (uz < 1.0)
        {
            return 0;
        }
        if (uz < 1.0 + _halfPowTheta)
        {
            return 1;
        }
        double rank = _n * Math.Pow((_eta * u) - _eta + 1.0, _alpha);
        return Math.Min((ulong)rank, _n - 1);
    }

    private long NextNormal()
    {
        while (true)
        {
            // Box-Muller: two uniforms in (0, 1] give one standard normal.
            double u1 = 1.0 - Uniform();
            double u2 = Uniform();
            double z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            double x = _mean + (z * _deviation);
            if (x >= 0 && x < _n)
            {
                return (long)x;
            }
        }
    }

    private long Scatter(ulong rank)
    {
        ulong state = rank;
        return (long)((Taus88.SplitMix64(ref state) + _shift) % _n);
    }

    private double Uniform() => _rng.Next() / 4294967296.0;
}
