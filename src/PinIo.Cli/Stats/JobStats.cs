using System.Runtime.CompilerServices;
namespace PinIo.Cli.Stats;

/// <summary>
/// A job's counters as fio keeps them in thread_stat: per direction (<see cref="DirStats"/>),
/// the depth at each submission, the sizes of submit and reap batches, and the total latency
/// of every I/O in fio's coarse decades (2, 4, 10, 20, 50... in ns, us and ms). Written by the
/// job thread only.
/// </summary>
internal sealed class JobStats
{
    public const int DepthBuckets = 7;

    /// <summary>Upper bounds of fio's latency decades (the labels of "lat (usec)   : 2=..., 4=...").</summary>
    public static readonly int[] DecadeBounds = [2, 4, 10, 20, 50, 100, 250, 500, 750, 1000];

    /// <summary>Labels of the millisecond decades, which run on to 2000 and beyond.</summary>
    public static readonly string[] MsecLabels = ["2", "4", "10", "20", "50", "100", "250", "500", "750", "1000", "2000", ">=2000"];

    private readonly DirStats[] _dirs = [new(), new(), new()];

    public DirStats this[IoDir dir] => _dirs[(int)dir];

    public DirStats Read => _dirs[0];

    public DirStats Write => _dirs[1];

    public DirStats Trim => _dirs[2];

    /// <summary>
    /// I/Os by the depth in flight once their submit batch was committed, buckets 1, 2, 4, 8,
    /// 16, 32, >=64 (fio's io_u_map: a batch that fills the queue counts every I/O at full depth).
    /// </summary>
    public long[] DepthMap { get; } = new long[DepthBuckets];

    /// <summary>Submit batches by size, buckets 0, 1-4, 5-8, 9-16, 17-32, 33-64, >64 (fio's io_u_submit).</summary>
    public long[] SubmitMap { get; } = new long[DepthBuckets];

    public long[] CompleteMap { get; } = new long[DepthBuckets];

    public long TotalSubmitBatches { get; private set; }

    public long TotalCompleteBatches { get; private set; }

    public long[] LatNsec { get; } = new long[10];

    public long[] LatUsec { get; } = new long[10];

    public long[] LatMsec { get; } = new long[12];

    public long TotalIos => Read.TotalIos + Write.TotalIos + Trim.TotalIos;

    /// <summary>Latency of each flush (fsync=, fdatasync=, end_fsync): fio's sync_stat.</summary>
    public RunningStat SyncLat { get; } = new();

    public LatencyHistogram SyncHistogram { get; } = new();

    public void RecordSync(long nanoseconds)
    {
        SyncLat.Add(nanoseconds);
        SyncHistogram.Add(nanoseconds);
    }

    /// <summary>Adds another job's counters into this one (fio's sum_thread_stats).</summary>
    public void Merge(JobStats other)
    {
        for (int d = 0; d < _dirs.Length; d++)
        {
            _dirs[d].Merge(other._dirs[d]);
        }
        SyncLat.Merge(other.SyncLat);
        SyncHistogram.Merge(other.SyncHistogram);
        Add(DepthMap, other.DepthMap);
        Add(SubmitMap, other.SubmitMap);
        Add(CompleteMap, other.CompleteMap);
        Add(LatNsec, other.LatNsec);
        Add(LatUsec, other.LatUsec);
        Add(LatMsec, other.LatMsec);
        TotalSubmitBatches += other.TotalSubmitBatches;
        TotalCompleteBatches += other.TotalCompleteBatches;
    }

    private static void Add(long[] into, long[] from)
    {
        for (int i = 0; i < into.Length; i++)
        {
            into[i] += from[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MarkDepth(int depth, int count)
    {
        int bucket = depth switch
        {
            <= 1 => 0,
            < 4 => 1,
            < 8 => 2,
            < 16 => 3,
            < 32 => 4,
            < 64 => 5,
            _ => 6,
        };
        DepthMap[bucket] += count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MarkSubmitBatch(int count)
    {
        SubmitMap[BatchBucket(count)]++;
        TotalSubmitBatches++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MarkCompleteBatch(int count)
    {
        CompleteMap[BatchBucket(count)]++;
        TotalCompleteBatches++;
    }

    public void MarkLatency(long nanoseconds)
    {
        if (nanoseconds < 1000)
        {
            LatNsec[Decade(nanoseconds)]++;
        }
        else if (nanoseconds < 1_000_000)
        {
            LatUsec[Decade(nanoseconds / 1000)]++;
        }
        else
        {
            long ms = nanoseconds / 1_000_000;
            LatMsec[ms switch { < 1000 => Decade(ms), < 2000 => 10, _ => 11 }]++;
        }
    }

    /// <summary>
    /// The first decade whose bound <paramref name="value"/> is below (the last past them all):
    /// how many of the bounds 2 … 750 it reaches, counted without a branch — once per I/O, where
    /// a loop over <see cref="DecadeBounds"/> mispredicted its exit.
    /// </summary>
    private static int Decade(long value) =>
        Reaches(value, 2) + Reaches(value, 4) + Reaches(value, 10) + Reaches(value, 20) + Reaches(value, 50)
        + Reaches(value, 100) + Reaches(value, 250) + Reaches(value, 500) + Reaches(value, 750);

    private static int Reaches(long value, long bound) => value >= bound ? 1 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BatchBucket(int count) => count switch
    {
        0 => 0,
        <= 4 => 1,
        <= 8 => 2,
        <= 16 => 3,
        <= 32 => 4,
        <= 64 => 5,
        _ => 6,
    };
}
