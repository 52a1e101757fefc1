// pagecache-stable: Direct I/O reads into mapped page-cache memory while writeback runs (issue 10's pinned-writeback rule, measured).
using System.Diagnostics;
using System.Globalization;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;

namespace PinIo.Bench;

/// <summary>
/// <c>pagecache-stable [--mib=16] [--chunk=1048576] [--passes=64]</c>: a Volume on a RAM disk
/// that completes bios on a worker thread; file A written buffered and mapped whole; file B
/// written with Direct I/O. Pass after pass, each chunk of B is read with Direct I/O straight
/// into A's mapped memory (the mapped pages pinned through Gup) while another task flushes A
/// in a loop. Writeback that meets a pinned page writes a stable copy and leaves it dirty;
/// the final flush writes what the reads brought. Prints one JSON line: stable copies,
/// pages written back, and the bytes of A that differ from B at the end (0: nothing lost or torn).
/// </summary>
internal static class PageCacheStable
{
    public static int Run(string[] args)
    {
        int mib = (int)ModeArgs.Long(args, "--mib", 16);
        int chunk = (int)ModeArgs.Long(args, "--chunk", 1 << 20);
        int passes = (int)ModeArgs.Long(args, "--passes", 64);
        int bytes = mib << 20;
        using var disk = new RamDisk((4L * bytes) + (64L << 20), new RamDiskOptions { Completion = RamDiskCompletion.Worker });
        using Volume volume = Volume.Format(disk, new VolumeOptions { PageCacheBytes = 2L * bytes, WritebackInterval = Timeout.InfiniteTimeSpan });
        using VolumeFile a = volume.Create("a");
        using VolumeFile b = volume.Create("b");
        byte[] seed = new byte[bytes];
        Random.Shared.NextBytes(seed);
        Wait(a.WriteBufferedAsync(0, seed));
        Wait(a.FlushAsync());
        var source = new AlignedMemory(1, bytes);
        Memory<byte> bData = source.Buffer(0);
        new Random(1).NextBytes(bData.Span);
        Wait(b.WriteAsync(0, IovIter.User(IterDirection.Source, bData)));
        Wait(b.FlushAsync());
        PageCacheStats before = volume.PageCacheStats;

        var watch = Stopwatch.StartNew();
        long reads = 0, flushes = 0;
        using (MappedRange map = a.MapAsync(0, bytes).AsTask().GetAwaiter().GetResult())
        {
            using var stop = new CancellationTokenSource();
            Task flusher = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await a.FlushAsync();
                    flushes++;
                }
            });
            for (int pass = 0; pass < passes; pass++)
            {
                for (int offset = 0; offset < bytes; offset += chunk)
                {
                    // The previous pass's bytes are overwritten by B's once more: a torn write-out would mix them.
                    if (pass > 0)
                    {
                        map.Memory.Span.Slice(offset, chunk).Fill((byte)pass);
                        map.MarkDirty();
                    }
                    Wait(b.ReadAsync(offset, IovIter.User(IterDirection.Dest, map.Memory.Slice(offset, chunk))));
                    reads++;
                }
            }
            stop.Cancel();
            flusher.GetAwaiter().GetResult();
        }
        Wait(a.FlushAsync());
        double seconds = watch.Elapsed.TotalSeconds;
        PageCacheStats after = volume.PageCacheStats;

        // A's bytes on the device, read with Direct I/O (its cache written back and clean): must be B's.
        var check = new AlignedMemory(1, bytes);
        Wait(a.ReadAsync(0, IovIter.User(IterDirection.Dest, check.Buffer(0))));
        long differing = 0;
        ReadOnlySpan<byte> got = check.Buffer(0).Span, want = bData.Span;
        for (int i = 0; i < bytes; i++)
        {
            differing += got[i] != want[i] ? 1 : 0;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"pagecache-stable\",\"mib\":{mib},\"chunk\":{chunk},\"passes\":{passes},\"direct_reads_into_map\":{reads},\"flushes\":{flushes},\"stable_copies\":{after.StableCopies - before.StableCopies},\"writeback_pages\":{after.WritebackPages - before.WritebackPages},\"seconds\":{seconds:F2},\"bytes_lost_or_torn\":{differing}}}"));
        return differing == 0 ? 0 : 1;
    }

    private static void Wait(ValueTask pending) => pending.AsTask().GetAwaiter().GetResult();

    private static long Wait(ValueTask<long> pending) => pending.AsTask().GetAwaiter().GetResult();

    private static int Wait(ValueTask<int> pending) => pending.AsTask().GetAwaiter().GetResult();
}
