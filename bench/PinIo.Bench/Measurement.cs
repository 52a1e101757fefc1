using System.Diagnostics;
using PinIo.Devices;
using PinIo.Mm;

namespace PinIo.Bench;

/// <summary>
/// fio's job loop, shared by every engine: <c>iodepth</c> chains, each with one request in
/// flight and issuing the next when it completes. Offsets are bs-aligned, uniform over the
/// first <c>size</c> bytes (randread, like fio --norandommap) or consecutive from 0 and
/// wrapping (read). An I/O counts when it completes inside the measured window, which starts
/// after the ramp; chains stop issuing when the window ends.
/// </summary>
internal sealed class Measurement
{
    private readonly long _blocks;
    private readonly int _blockSize;
    private readonly Pattern _pattern;
    private long _sequential;

    public Measurement(BenchOptions options, long fileLength)
    {
        Options = options;
        long size = options.Size > 0 ? Math.Min(options.Size, fileLength) : fileLength;
        _blockSize = options.BlockSize;
        _blocks = size / _blockSize;
        if (_blocks == 0)
        {
            throw new ArgumentException($"{options.File} is {fileLength} bytes: smaller than one block of {_blockSize}");
        }
        _pattern = options.Rw;
        Size = _blocks * _blockSize;
        Chains = new Chain[options.IoDepth];
        for (int i = 0; i < Chains.Length; i++)
        {
            Chains[i] = new Chain((ulong)(0x9E3779B97F4A7C15UL * (ulong)(i + 1)) | 1);
        }
        long now = Stopwatch.GetTimestamp();
        StartTs = now + SecondsToTicks(options.RampSeconds);
        EndTs = StartTs + SecondsToTicks(options.RuntimeSeconds);
    }

    public BenchOptions Options { get; }

    public long Size { get; }

    public Chain[] Chains { get; }

    /// <summary>Stopwatch timestamp where the measured window starts (after the ramp).</summary>
    public long StartTs { get; }

    /// <summary>Stopwatch timestamp where the window ends: no request is issued after it.</summary>
    public long EndTs { get; }

    public long NextOffset(Chain chain)
    {
        if (_pattern == Pattern.Read)
        {
            long block = Interlocked.Increment(ref _sequential) - 1;
            return block % _blocks * _blockSize;
        }
        // xorshift64*: fast, allocation-free, uniform enough for offsets.
        ulong x = chain.Rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        chain.Rng = x;
        return (long)((x * 0x2545F4914F6CDD1DUL) % (ulong)_blocks) * _blockSize;
    }

    public void Complete(Chain chain, long issuedTs, int bytes)
    {
        long doneTs = Stopwatch.GetTimestamp();
        if (bytes != _blockSize)
        {
            throw new InvalidOperationException($"short read: {bytes} of {_blockSize} bytes");
        }
        if (doneTs >= StartTs && doneTs < EndTs)
        {
            chain.Ios++;
            chain.Histogram.Record(TicksToNanoseconds(doneTs - issuedTs));
        }
    }

    /// <summary>Sleeps the calling thread until <paramref name="timestamp"/>.</summary>
    public static void SleepUntil(long timestamp)
    {
        while (true)
        {
            long left = timestamp - Stopwatch.GetTimestamp();
            if (left <= 0)
            {
                return;
            }
            Thread.Sleep(TimeSpan.FromTicks(Math.Max(1, left * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
        }
    }

    public static long SecondsToTicks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    public static long TicksToNanoseconds(long ticks) =>
        Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));
}

/// <summary>One request slot of the loop (an fio io_u): its own buffer, random state and counts.</summary>
internal sealed class Chain(ulong seed)
{
    public ulong Rng { get; set; } = seed;

    public Memory<byte> Buffer { get; set; }

    public long Ios { get; set; }

    public LatencyHistogram Histogram { get; } = new();
}

/// <summary>Process counters read at both ends of the window.</summary>
internal readonly record struct Snapshot(long Ts, TimeSpan User, TimeSpan Sys, long PinIoPins, long KernelPins, bool KernelPinsKnown, long Allocated,
    (double User, double Sys)? Ring)
{
    /// <summary>
    /// The counters now. Reading /proc allocates: at the window's start the allocation count is
    /// read after it, at the end (<paramref name="end"/>) before it, so the window holds none of it.
    /// </summary>
    public static Snapshot Take(bool end = false)
    {
        Environment.ProcessCpuUsage cpu = Environment.CpuUsage;
        long allocatedBefore = end ? GC.GetTotalAllocatedBytes(precise: true) : 0;
        (double, double)? ring = ThreadCpu.Of("pinio-uring");
        bool known = KernelPinCounters.TryRead(out long kernel, out _);
        long allocated = end ? allocatedBefore : GC.GetTotalAllocatedBytes(precise: true);
        return new Snapshot(Stopwatch.GetTimestamp(), cpu.UserTime, cpu.PrivilegedTime, PinStats.Acquired, kernel, known, allocated, ring);
    }
}
