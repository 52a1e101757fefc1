// sync-read: the latency of one synchronous 4 KiB O_DIRECT read, DirectFile.Read against RandomAccess.Read (issue 13 item 3).
using System.Diagnostics;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace PinIo.Bench;

/// <summary>
/// <c>sync-read --file=PATH [--reads=20000] [--rounds=5]</c>: 4 KiB reads at uniform random
/// 4 KiB offsets of an existing file, one at a time on this thread, each timed, by four callers
/// on the same O_DIRECT open file description, in turn each round:
/// <list type="bullet">
/// <item><c>randomaccess</c>: <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/> on a
/// handle from <see cref="File.OpenHandle"/> that DirectFile.Open(handle, SetDirect) gave O_DIRECT (a pread).</item>
/// <item><c>pinio-uring</c>: <see cref="DirectFile.Read(Memory{byte}, long)"/> on an io_uring file (preadv2 on the caller's thread).</item>
/// <item><c>pinio-sync</c>: the same on a sync-engine file.</item>
/// <item><c>pinio-uring-wait</c>: what Read did before: ReadAsync on the ring, the caller blocked until the ring's thread completes it.</item>
/// </list>
/// Prints one JSON line per caller: median, p90 and p99 in microseconds over every read of every round.
/// </summary>
internal static class SyncReadLatency
{
    private const int Block = 4096;

    public static int Run(string[] args)
    {
        string path = Arg(args, "--file") ?? throw new ArgumentException("--file=PATH is required");
        int reads = int.Parse(Arg(args, "--reads") ?? "20000", CultureInfo.InvariantCulture);
        int rounds = int.Parse(Arg(args, "--rounds") ?? "5", CultureInfo.InvariantCulture);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        using DirectFile direct = DirectFile.Open(handle, new DirectFileOptions { ReadOnly = true, SetDirect = true, Engine = IoEngine.Sync, SyncWorkers = 0 });
        using DirectFile ring = DirectFile.Open(path, new DirectFileOptions { ReadOnly = true });
        Memory<byte> buffer = new AlignedMemory(1, Block).Buffer(0);
        long blocks = direct.Length / Block;
        var callers = new (string Name, Func<long, int> Read)[]
        {
            ("randomaccess", offset => RandomAccess.Read(handle, buffer.Span, offset)),
            ("pinio-uring", offset => ring.Read(buffer, offset)),
            ("pinio-sync", offset => direct.Read(buffer, offset)),
            ("pinio-uring-wait", offset => ring.ReadAsync(buffer, offset).AsTask().GetAwaiter().GetResult()),
        };
        var samples = callers.Select(_ => new List<double>(reads * rounds)).ToArray();
        var random = new Random(1);
        for (int round = 0; round < rounds; round++)
        {
            for (int c = 0; c < callers.Length; c++)
            {
                Time(callers[c].Read, reads / 10, blocks, random, null); // warm-up
                Time(callers[c].Read, reads, blocks, random, samples[c]);
            }
        }
        for (int c = 0; c < callers.Length; c++)
        {
            samples[c].Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"caller\":\"{callers[c].Name}\",\"engine\":\"{(c == 1 || c == 3 ? ring.Engine : direct.Engine)}\",\"reads\":{samples[c].Count}," +
                $"\"p50_us\":{Percentile(samples[c], 0.50):F2},\"p90_us\":{Percentile(samples[c], 0.90):F2},\"p99_us\":{Percentile(samples[c], 0.99):F2}}}"));
        }
        return 0;
    }

    private static void Time(Func<long, int> read, int count, long blocks, Random random, List<double>? samples)
    {
        for (int i = 0; i < count; i++)
        {
            long offset = random.NextInt64(blocks) * Block;
            long start = Stopwatch.GetTimestamp();
            int n = read(offset);
            long end = Stopwatch.GetTimestamp();
            if (n != Block)
            {
                throw new InvalidOperationException($"short read at {offset}: {n}");
            }
            samples?.Add((end - start) * 1e6 / Stopwatch.Frequency);
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static string? Arg(string[] args, string name) =>
        args.Where(a => a.StartsWith(name + "=", StringComparison.Ordinal)).Select(a => a[(name.Length + 1)..]).LastOrDefault();
}
