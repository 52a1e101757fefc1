// gup-pin: what pinning caller memory costs PinIo per request, the page table's share of the library's pinned-memory loop.
using System.Diagnostics;
using System.Globalization;
using PinIo.Mm;

namespace PinIo.Bench;

/// <summary>
/// <c>gup-pin [--threads=1] [--rounds=12] [--count=2000000] [--memory=prepinned|array]</c>: each
/// thread pins and unpins (dirty, as after a read) its own 16 4 KiB buffers of one array in turn
/// (pre-pinned memory, or the array as plain memory that each pin must GC-pin), as a
/// depth-16 read loop does per request, <c>count</c> times a round. The buffers share one 2 MiB
/// region, so the threads share a page-table shard: what a lock there costs shows as the
/// threads are added. Prints one JSON line: the median and lowest nanoseconds per pin and unpin
/// per thread over the rounds after the first two (JIT and tiering).
/// </summary>
internal static class GupPin
{
    private const int BuffersPerThread = 16;

    public static int Run(string[] args)
    {
        int threads = ModeArgs.Int(args, "--threads", 1);
        int rounds = ModeArgs.Int(args, "--rounds", 12);
        int count = ModeArgs.Int(args, "--count", 2_000_000);
        bool prePinned = ModeArgs.Value(args, "--memory") is null or "prepinned";
        var memory = new AlignedMemory(threads * BuffersPerThread, 4096);
        var perRound = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, thread => PinLoop(memory, thread, count, prePinned));
            double ns = Stopwatch.GetElapsedTime(start).TotalNanoseconds / count;
            if (round >= 2)
            {
                perRound.Add(ns);
            }
        }
        perRound.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"mode\":\"gup-pin\",\"memory\":\"{(prePinned ? "prepinned" : "array")}\",\"threads\":{threads},\"ns_per_pin_unpin\":{perRound[perRound.Count / 2]:F1},\"ns_lowest\":{perRound[0]:F1}}}"));
        return 0;
    }

    private static void PinLoop(AlignedMemory memory, int thread, int count, bool prePinned)
    {
        var buffers = new Memory<byte>[BuffersPerThread];
        for (int i = 0; i < buffers.Length; i++)
        {
            buffers[i] = memory.Buffer((thread * BuffersPerThread) + i, prePinned);
        }
        var pages = new Page[1];
        for (int i = 0; i < count; i++)
        {
            Gup.PinUserPages(buffers[i % BuffersPerThread], GupFlags.Write, pages);
            Gup.UnpinUserPagesDirtyLock(pages, makeDirty: true);
        }
    }
}
