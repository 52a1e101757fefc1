namespace PinIo.Bench;

/// <summary>
/// Log-linear latency histogram in nanoseconds (like fio's and HdrHistogram's): 64 linear
/// buckets per power of two, so a percentile is exact to within 1/64 (1.6 %). Recording
/// allocates nothing; one histogram per I/O chain, merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBits = 6;
    private const int SubBuckets = 1 << SubBits;
    private const int Groups = 64 - SubBits;

    private readonly long[] _counts = new long[(Groups + 1) * SubBuckets];

    public long Count { get; private set; }

    public void Record(long nanoseconds)
    {
        ulong v = (ulong)Math.Max(0, nanoseconds);
        _counts[Index(v)]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
        Count += other.Count;
    }

    /// <summary>The value at percentile <paramref name="p"/> (0..100), as the middle of its bucket, in ns.</summary>
    public double Percentile(double p)
    {
        if (Count == 0)
        {
            return 0;
        }
        long rank = (long)Math.Ceiling(p / 100.0 * Count);
        rank = Math.Clamp(rank, 1, Count);
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                (ulong low, ulong width) = Bounds(i);
                return low + (width / 2.0);
            }
        }
        return 0;
    }

    private static int Index(ulong v)
    {
        if (v < SubBuckets)
        {
            return (int)v;
        }
        int msb = 63 - System.Numerics.BitOperations.LeadingZeroCount(v);
        int shift = msb - SubBits;
        int group = shift + 1;
        int sub = (int)(v >> shift) - SubBuckets;
        return (group * SubBuckets) + sub;
    }

    private static (ulong Low, ulong Width) Bounds(int index)
    {
        int group = index / SubBuckets;
        int sub = index % SubBuckets;
        if (group == 0)
        {
            return ((ulong)sub, 1);
        }
        int shift = group - 1;
        ulong low = (ulong)(SubBuckets + sub) << shift;
        return (low, 1UL << shift);
    }
}
