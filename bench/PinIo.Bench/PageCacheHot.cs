// pagecache-hot: 4 KiB random buffered reads of a fully cached Volume file, timed one by one (the cache hit latency without pinio around it).
using System.Diagnostics;
using System.Globalization;
using PinIo.Devices;
using PinIo.Fs;

namespace PinIo.Bench;

/// <summary>
/// <c>pagecache-hot [--mib=256] [--seconds=3]</c>: a Volume on a RAM disk, one file written
/// buffered, flushed and read once whole (every page cached); then, for the given time, 4 KiB
/// <see cref="VolumeFile.ReadBufferedAsync"/> calls at uniform random 4 KiB offsets, each timed.
/// Prints one JSON line: reads per second and the p50/p99/p99.9 latency of a hit.
/// </summary>
internal static class PageCacheHot
{
    public static int Run(string[] args)
    {
        int mib = (int)ModeArgs.Double(args, "--mib", 256);
        double seconds = ModeArgs.Double(args, "--seconds", 3);
        long bytes = (long)mib << 20;
        using var disk = new RamDisk((2 * bytes) + (64L << 20));
        using Volume volume = Volume.Format(disk, new VolumeOptions { PageCacheBytes = bytes + (bytes / 2) });
        using VolumeFile file = volume.Create("hot");
        byte[] chunk = new byte[1 << 20];
        Random.Shared.NextBytes(chunk);
        for (long offset = 0; offset < bytes; offset += chunk.Length)
        {
            file.WriteBufferedAsync(offset, chunk).AsTask().GetAwaiter().GetResult();
        }
        file.FlushAsync().AsTask().GetAwaiter().GetResult();
        for (long offset = 0; offset < bytes; offset += chunk.Length)
        {
            file.ReadBufferedAsync(offset, chunk).AsTask().GetAwaiter().GetResult();
        }
        PageCacheStats before = volume.PageCacheStats;
        var buffer = new AlignedMemory(1, 4096).Buffer(0);
        var histogram = new LatencyHistogram();
        var random = new Random(1);
        long pages = bytes / 4096;
        long end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        long reads = 0;
        long start = Stopwatch.GetTimestamp();
        long now = start;
        while (now < end)
        {
            long offset = random.NextInt64(pages) * 4096;
            ValueTask<int> read = file.ReadBufferedAsync(offset, buffer);
            if (!read.IsCompleted)
            {
                read.AsTask().GetAwaiter().GetResult();
            }
            long done = Stopwatch.GetTimestamp();
            histogram.Record((long)((done - now) * 1e9 / Stopwatch.Frequency));
            now = done;
            reads++;
        }
        double elapsed = (now - start) / (double)Stopwatch.Frequency;
        PageCacheStats after = volume.PageCacheStats;
        long hits = after.Hits - before.Hits, misses = after.Misses - before.Misses;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"pagecache-hot\",\"mib\":{mib},\"reads\":{reads},\"iops\":{reads / elapsed:F0},\"hit_percent\":{(hits + misses == 0 ? 0 : hits * 100.0 / (hits + misses)):F2},\"p50_ns\":{histogram.Percentile(50):F0},\"p99_ns\":{histogram.Percentile(99):F0},\"p999_ns\":{histogram.Percentile(99.9):F0}}}"));
        return 0;
    }
}
