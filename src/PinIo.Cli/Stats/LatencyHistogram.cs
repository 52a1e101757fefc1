// Follows fio's stat.h/stat.c latency buckets (FIO_IO_U_PLAT_*): same bucket layout, own code.
using System.Runtime.CompilerServices;
using System.Numerics;

namespace PinIo.Cli.Stats;

/// <summary>
/// Completion latencies in nanoseconds, in fio's log-linear buckets: values below 128 ns are
/// exact; above, each power of two is split into 64 buckets, so a bucket is within 1/128 of
/// its value; 29 groups reach 2^34 ns (about 17 s), later samples go to the last bucket.
/// Percentiles are the representative (middle) value of the bucket where the running count
/// reaches the percentile, exactly as fio computes them, so that pinio's and fio's
/// percentiles of the same latencies are the same numbers. Recording is one array increment.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Bits = 6;
    private const int PerGroup = 1 << Bits;
    private const int Groups = 29;
    public const int BucketCount = Groups * PerGroup;

    private readonly long[] _buckets = new long[BucketCount];

    public long Count { get; private set; }

    /// <summary>Samples in bucket <paramref name="bucket"/> (fio's io_u_plat[bucket]).</summary>
    public long this[int bucket] => _buckets[bucket];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long nanoseconds)
    {
        _buckets[BucketOf(nanoseconds)]++;
        Count++;
    }

    public void Merge(LatencyHistogram other)
    {
        for (int i = 0; i < BucketCount; i++)
        {
            _buckets[i] += other._buckets[i];
        }
        Count += other.Count;
    }

    /// <summary>
    /// The value at each percentile of <paramref name="percentiles"/> (ascending, in (0, 100]):
    /// the first bucket whose cumulative count reaches p% of the samples.
    /// </summary>
    public long[] Percentiles(IReadOnlyList<double> percentiles)
    {
        var values = new long[percentiles.Count];
        if (Count == 0)
        {
            return values;
        }
        long cumulative = 0;
        int next = 0;
        for (int i = 0; i < BucketCount && next < values.Length; i++)
        {
            cumulative += _buckets[i];
            while (next < values.Length && cumulative >= percentiles[next] / 100.0 * Count)
            {
                values[next++] = ValueOf(i);
            }
        }
        return values;
    }

    /// <summary>The bucket a latency falls in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int BucketOf(long nanoseconds)
    {
        ulong value = (ulong)Math.Max(0, nanoseconds);
        if (value < PerGroup * 2)
        {
            return (int)value;
        }
        int msb = 63 - BitOperations.LeadingZeroCount(value);
        int errorBits = msb - Bits;
        int index = ((errorBits + 1) << Bits) + (int)((value >> errorBits) & (PerGroup - 1));
        return Math.Min(index, BucketCount - 1);
    }

    /// <summary>The smallest latency that falls in <paramref name="bucket"/>.</summary>
    public static long LowerBound(int bucket)
    {
        if (bucket < PerGroup * 2)
        {
            return bucket;
        }
        int errorBits = (bucket >> Bits) - 1;
        return (1L << (errorBits + Bits)) + ((long)(bucket % PerGroup) << errorBits);
    }

    /// <summary>The first latency past <paramref name="bucket"/> (the next bucket's lower bound).</summary>
    public static long UpperBound(int bucket) => bucket + 1 < BucketCount ? LowerBound(bucket + 1) : LowerBound(bucket) * 2;

    /// <summary>The value a bucket stands for: exact below 128 ns, else the middle of its range.</summary>
    public static long ValueOf(int bucket)
    {
        if (bucket < PerGroup * 2)
        {
            return bucket;
        }
        int errorBits = (bucket >> Bits) - 1;
        long groupBase = 1L << (errorBits + Bits);
        long k = bucket % PerGroup;
        return groupBase + (long)((k + 0.5) * (1L << errorBits));
    }
}
