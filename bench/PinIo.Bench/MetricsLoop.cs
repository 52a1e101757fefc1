using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Bench;

/// <summary>
/// Issue 13's metrics, what they cost one request: 4 KiB reads of a pool page from a RAM disk
/// that ends each bio inside Submit, so the whole request path runs on this thread and its
/// user CPU per request is the library's own (no device, no kernel). Run against two builds of
/// PinIo.dll (bench/metrics-overhead.sh swaps the file); <c>--listen</c> first enables every
/// PinIo instrument through the runtime's MetricsEventSource, the session dotnet-counters opens.
/// Prints one JSON line: the loop thread's user and wall nanoseconds per request, and the bytes this thread allocated over the measured requests.
/// </summary>
internal static class MetricsLoop
{
    public static int Run(string[] args)
    {
        bool listen = args.Contains("--listen");
        int requests = int.Parse(args.FirstOrDefault(a => a.StartsWith("--requests=", StringComparison.Ordinal))?["--requests=".Length..] ?? "3000000", CultureInfo.InvariantCulture);
        // --instruments=a,b listens to those PinIo instruments only (MetricsEventSource's Meter\Instrument filter).
        string? only = args.FirstOrDefault(a => a.StartsWith("--instruments=", StringComparison.Ordinal))?["--instruments=".Length..];
        using MetricsSession? session = listen ? new MetricsSession(only is null ? "PinIo" : string.Join(",", only.Split(',').Select(i => "PinIo\\" + i))) : null;
        using var disk = new RamDisk(1 << 20);
        using var pool = new PagePool(4);
        Page page = pool.Alloc();
        BioVec[] vecs = [new BioVec(page, 0, PageSize.Bytes)];
        if (session is not null)
        {
            // The session enables the instruments on its own thread: wait until a request is counted.
            session.WaitUntilListening(() => Loop(disk, vecs, 1000));
        }
        // Two seconds of warm-up, so that the measured requests run the JIT's final code (the
        // tiering thread may wait long for a CPU on a loaded machine).
        for (var warm = Stopwatch.StartNew(); warm.Elapsed < TimeSpan.FromSeconds(2);)
        {
            Loop(disk, vecs, 10_000);
        }
        double user0 = ThreadUserNs();
        long allocated0 = GC.GetAllocatedBytesForCurrentThread();
        long start = Stopwatch.GetTimestamp();
        Loop(disk, vecs, requests);
        double wall = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocated0;
        // This thread's user time alone: the JIT's, the GC's and the metrics session's threads are not the request's.
        double user = ThreadUserNs() - user0;
        page.Put();
        Console.WriteLine(FormattableString.Invariant($"{{\"listen\":{(listen ? "true" : "false")},\"requests\":{requests},\"user_ns\":{user / requests:F1},\"wall_ns\":{wall / requests:F1},\"allocated_bytes\":{allocated},\"events\":{session?.Events ?? 0}}}"));
        return 0;
    }

    /// <summary>This thread's user time (/proc/thread-self/stat utime, in USER_HZ ticks of 10 ms).</summary>
    private static double ThreadUserNs()
    {
        string stat = File.ReadAllText("/proc/thread-self/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) * 10_000_000.0;
    }

    private static void Loop(RamDisk disk, BioVec[] vecs, int requests)
    {
        // One iterator, stepped back after each read: the loop itself allocates nothing.
        IovIter iter = IovIter.Pages(IterDirection.Dest, vecs);
        for (int i = 0; i < requests; i++)
        {
            ValueTask<long> read = DirectIo.ReadAsync(disk, 0, iter, DirectIoFlags.InlineCompletion);
            if (!read.IsCompletedSuccessfully || read.Result != PageSize.Bytes)
            {
                throw new InvalidOperationException("the RAM disk did not end the read inside the call");
            }
            iter.Revert(PageSize.Bytes);
        }
    }

    /// <summary>What dotnet-counters asks of a process: a MetricsEventSource session on the meter PinIo, refreshed every second.</summary>
    private sealed class MetricsSession(string metrics) : EventListener
    {
        private int _events;

        public int Events => Volatile.Read(ref _events);

        public void WaitUntilListening(Action work)
        {
            var deadline = Stopwatch.StartNew();
            while (Events == 0 && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                work();
                Thread.Sleep(100);
            }
            if (Events == 0)
            {
                throw new InvalidOperationException("MetricsEventSource published nothing in 30 s");
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "System.Diagnostics.Metrics")
            {
                EnableEvents(eventSource, EventLevel.Informational, (EventKeywords)0x3, new Dictionary<string, string?>
                {
                    ["SessionId"] = "pinio-bench",
                    ["Metrics"] = metrics,
                    ["RefreshInterval"] = "1",
                    ["MaxTimeSeries"] = "1000",
                    ["MaxHistograms"] = "10",
                });
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName is "CounterRateValuePublished" or "HistogramValuePublished" or "UpDownCounterRateValuePublished" or "GaugeValuePublished")
            {
                Interlocked.Increment(ref _events);
            }
        }
    }
}
