// Follows fio's t/io_uring.c (main: one submitter thread per core, a once-a-second IOPS line), written anew.
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using PinIo.Linux;

namespace PinIo.Devices;

/// <summary>
/// The peak a core reaches reading the target through PinIo's ring with every trick on: one
/// thread per CPU, each bound to it and running a <see cref="PeakRing"/>; the calling thread
/// only samples the counts once a second. The figures that load disturbs least — CPU time
/// per read of the loop threads, the kernel's pins per read — come with the IOPS.
/// </summary>
internal static class PeakLoop
{
    /// <summary>
    /// Runs <paramref name="options"/> on <paramref name="path"/>; <paramref name="everySecond"/>
    /// gets the second's number (from 1) and the reads completed in it. Throws
    /// <see cref="DirectIoException"/> naming what to change when a setting, the setup or a
    /// read fails; every thread has stopped and released its ring and buffers by then.
    /// </summary>
    public static PeakResult Run(string path, PeakOptions options, Action<int, long>? everySecond = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        IReadOnlyList<int> cpus = options.Cpus ?? CpuAffinity.GetForCurrentThread();
        var stop = new PeakStop();
        using var ready = new CountdownEvent(options.Threads);
        using var finished = new CountdownEvent(options.Threads);
        using var start = new ManualResetEventSlim();
        var workers = new Worker[options.Threads];
        for (int i = 0; i < workers.Length; i++)
        {
            workers[i] = new Worker(path, options, cpus[i % cpus.Count], options.Seed + (ulong)i, stop, ready, start, finished);
        }
        foreach (Worker worker in workers)
        {
            worker.Thread.Start();
        }
        ready.Wait(CancellationToken.None);
        bool setupFailed = workers.Any(w => w.Failure is not null);
        if (setupFailed)
        {
            stop.Request();
        }
        bool pinsKnown = KernelPinCounters.TryRead(out long pinsBefore, out _);
        ResourceUsage processBefore = ResourceUsage.ForProcess();
        long began = Stopwatch.GetTimestamp();
        start.Set();
        if (!setupFailed)
        {
            Sample(workers, options, finished, everySecond, cancel);
        }
        stop.Request();
        foreach (Worker worker in workers)
        {
            worker.Thread.Join();
        }
        TimeSpan elapsed = Stopwatch.GetElapsedTime(began);
        ResourceUsage processAfter = ResourceUsage.ForProcess();
        pinsKnown &= KernelPinCounters.TryRead(out long pinsAfter, out _);
        if (workers.FirstOrDefault(w => w.Failure is not null) is { } failed)
        {
            failed.Failure!.Throw();
        }
        return new PeakResult([.. workers.Select(w => w.Result!)], elapsed, processAfter.User - processBefore.User,
            processAfter.System - processBefore.System, pinsKnown ? pinsAfter - pinsBefore : null, workers[0].SetupFlags, workers[0].HugePages);
    }

    /// <summary>Once a second, the reads done in that second, until the runtime ends, every thread has done its reads, or a cancel.</summary>
    private static void Sample(Worker[] workers, PeakOptions options, CountdownEvent finished, Action<int, long>? everySecond, CancellationToken cancel)
    {
        long began = Stopwatch.GetTimestamp();
        long last = 0;
        for (int second = 1; ; second++)
        {
            TimeSpan left = options.Runtime - Stopwatch.GetElapsedTime(began);
            TimeSpan untilTick = TimeSpan.FromSeconds(second) - Stopwatch.GetElapsedTime(began);
            bool runtimeEnds = left <= untilTick;
            TimeSpan wait = runtimeEnds ? left : untilTick;
            bool allDone = wait > TimeSpan.Zero
                ? finished.Wait(wait, cancel)
                : finished.IsSet;
            if (allDone || runtimeEnds || cancel.IsCancellationRequested)
            {
                return;
            }
            long done = workers.Sum(w => w.Done);
            everySecond?.Invoke(second, done - last);
            last = done;
        }
    }

    /// <summary>One loop thread: bound to its CPU, it makes its ring, waits for the start, runs, measures itself, and releases the ring.</summary>
    private sealed class Worker
    {
        private readonly string _path;
        private readonly PeakOptions _options;
        private readonly int _cpu;
        private readonly ulong _seed;
        private readonly PeakStop _stop;
        private readonly CountdownEvent _ready;
        private readonly ManualResetEventSlim _start;
        private readonly CountdownEvent _finished;
        private PeakRing? _ring;

        public Worker(string path, PeakOptions options, int cpu, ulong seed, PeakStop stop,
            CountdownEvent ready, ManualResetEventSlim start, CountdownEvent finished)
        {
            _path = path;
            _options = options;
            _cpu = cpu;
            _seed = seed;
            _stop = stop;
            _ready = ready;
            _start = start;
            _finished = finished;
            Thread = new Thread(Main) { IsBackground = true, Name = $"peak cpu {cpu}" };
        }

        public Thread Thread { get; }

        public ExceptionDispatchInfo? Failure { get; private set; }

        public PeakThreadResult? Result { get; private set; }

        public uint SetupFlags { get; private set; }

        public bool HugePages { get; private set; }

        public long Done => Volatile.Read(ref _ring) is { } ring ? ring.Done : 0;

        private void Main()
        {
            try
            {
                Setup();
            }
            catch (Exception e) when (e is DirectIoException or ArgumentException or IOException)
            {
                Failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                _ready.Signal();
            }
            _start.Wait();
            try
            {
                if (_ring is { } ring && !_stop.Requested)
                {
                    Result = Measure(ring);
                }
            }
            catch (DirectIoException e)
            {
                Failure = ExceptionDispatchInfo.Capture(e);
                _stop.Request();
            }
            finally
            {
                _ring?.Dispose();
                _finished.Signal();
            }
        }

        private void Setup()
        {
            CpuAffinity.SetForCurrentThread([_cpu]);
            PeakRing ring = new(_path, _options, _seed);
            try
            {
                ring.WarmUp();
            }
            catch
            {
                ring.Dispose();
                throw;
            }
            SetupFlags = ring.SetupFlags;
            HugePages = ring.HugePages;
            Volatile.Write(ref _ring, ring);
        }

        private PeakThreadResult Measure(PeakRing ring)
        {
            ResourceUsage before = ResourceUsage.ForThread();
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            ring.Run(_stop, _options.IosPerThread);
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            ResourceUsage after = ResourceUsage.ForThread();
            return new PeakThreadResult(_cpu, ring.Done, after.User - before.User, after.System - before.System,
                after.ContextSwitches - before.ContextSwitches, allocated);
        }
    }
}
