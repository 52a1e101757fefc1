// Follows block/blk-mq.c (blk_account_io_start, blk_account_io_done: a request is counted where it starts and where it ends).
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace PinIo.Diagnostics;

/// <summary>
/// The hooks the request paths call. Each first asks whether any live instance has an
/// instrument enabled (a field load and a test per instrument, nothing else) and leaves the
/// work to an out-of-line method when one has. Tags are cached
/// <see cref="KeyValuePair{TKey, TValue}"/>s of strings, so a measurement boxes nothing.
/// </summary>
public sealed partial class PinIoMetrics
{
    private static readonly KeyValuePair<string, object?>[] s_directionTags =
    [
        new(DirectionTag, "read"),
        new(DirectionTag, "write"),
        new(DirectionTag, "flush"),
        new(DirectionTag, "discard"),
    ];

    // Requests in flight by direction, counted only while pinio.io.active is listened to: an
    // interlocked add where a measurement would cost an aggregator's lookup, twice per request.
    // Each direction on a cache line of its own.
    private const int ActiveStride = 64 / sizeof(long);
    private static readonly long[] s_active = new long[4 * ActiveStride];

    // What RequestStarting returns for a request counted without its latency: no timestamp
    // is this small (the clock counts from boot).
    private const long NotTimed = 1;

    // errno values are below 256 on Linux; each name is made once, the first time it fails a request.
    private static readonly KeyValuePair<string, object?>?[] s_errnoTags = new KeyValuePair<string, object?>?[256];

    /// <summary>
    /// A request of <paramref name="direction"/> is being submitted. Returns what to hand to
    /// <see cref="RequestEnded"/>: 0 when neither the latency nor the in-flight count is
    /// listened to; else the start timestamp when the latency is (<see cref="NotTimed"/> when it
    /// is not), negated when the request was counted in flight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long RequestStarting(IoDirection direction)
    {
        foreach (Instruments metrics in s_live)
        {
            if (metrics.Duration.Enabled | metrics.Active.Enabled)
            {
                return StartMetered(direction);
            }
        }
        return 0;
    }

    /// <summary>
    /// A request ended having transferred <paramref name="bytes"/>; <paramref name="errno"/> is
    /// the failure it reports (None when none); <paramref name="started"/> is what
    /// <see cref="RequestStarting"/> returned.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void RequestEnded(IoDirection direction, long started, long bytes, Errno errno)
    {
        if (started != 0)
        {
            EndMetered(direction, started, bytes, errno);
            return;
        }
        foreach (Instruments metrics in s_live)
        {
            if (metrics.Operations.Enabled | metrics.Bytes.Enabled | metrics.Errors.Enabled)
            {
                EndMetered(direction, started, bytes, errno);
                return;
            }
        }
    }

    /// <summary>A round of <paramref name="bytes"/> of misaligned memory goes through bounce pages.</summary>
    internal static void Bounced(IoDirection direction, long bytes)
    {
        KeyValuePair<string, object?> tag = s_directionTags[(int)direction];
        foreach (Instruments metrics in s_live)
        {
            if (metrics.BounceCopies.Enabled)
            {
                metrics.BounceCopies.Add(1, tag);
            }
            if (metrics.BounceBytes.Enabled)
            {
                metrics.BounceBytes.Add(bytes, tag);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long StartMetered(IoDirection direction)
    {
        bool timed = false, counted = false;
        foreach (Instruments metrics in s_live)
        {
            timed |= metrics.Duration.Enabled;
            counted |= metrics.Active.Enabled;
        }
        if (counted)
        {
            Interlocked.Increment(ref s_active[(int)direction * ActiveStride]);
        }
        // A clock read costs more than the counters: taken only for a latency someone reads.
        long started = timed ? Stopwatch.GetTimestamp() : NotTimed;
        return counted ? -started : started;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EndMetered(IoDirection direction, long started, long bytes, Errno errno)
    {
        if (started < 0)
        {
            Interlocked.Decrement(ref s_active[(int)direction * ActiveStride]);
            started = -started;
        }
        KeyValuePair<string, object?> tag = s_directionTags[(int)direction];
        bool timed = started > NotTimed;
        double seconds = timed ? Stopwatch.GetElapsedTime(started).TotalSeconds : 0;
        foreach (Instruments metrics in s_live)
        {
            if (metrics.Operations.Enabled)
            {
                metrics.Operations.Add(1, tag);
            }
            if (bytes > 0 && metrics.Bytes.Enabled)
            {
                metrics.Bytes.Add(bytes, tag);
            }
            if (errno != Errno.None && metrics.Errors.Enabled)
            {
                metrics.Errors.Add(1, tag, ErrnoTag(errno));
            }
            if (timed && metrics.Duration.Enabled)
            {
                metrics.Duration.Record(seconds, tag);
            }
        }
    }

    /// <summary>pinio.io.active when collected: the requests counted in and not yet out, by direction.</summary>
    private static Measurement<long>[] ActiveRequests()
    {
        var measurements = new Measurement<long>[s_directionTags.Length];
        for (int i = 0; i < measurements.Length; i++)
        {
            measurements[i] = new Measurement<long>(Volatile.Read(ref s_active[i * ActiveStride]), s_directionTags[i]);
        }
        return measurements;
    }

    private static KeyValuePair<string, object?> ErrnoTag(Errno errno)
    {
        int index = (int)errno & 0xff;
        return s_errnoTags[index] ??= new KeyValuePair<string, object?>(ErrorTypeTag,
            Enum.IsDefined(errno) ? errno.ToString() : $"errno {(int)errno}");
    }
}

/// <summary>A request's direction, as its tag names it (the order of Block's BioOp: Read, Write, Flush, Discard).</summary>
internal enum IoDirection
{
    Read,
    Write,
    Flush,
    Discard,
}
