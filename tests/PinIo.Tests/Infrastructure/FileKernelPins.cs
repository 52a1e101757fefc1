using System.Diagnostics;
using PinIo.Devices;
using Xunit;

namespace PinIo.Tests.Infrastructure;

/// <summary>One measurement of the kernel's nr_foll_pin_acquired over a run of requests.</summary>
/// <param name="Raw">The counter's growth over the requests.</param>
/// <param name="Background">Pins other processes are estimated to have taken meanwhile.</param>
/// <param name="Attempt">Which attempt this was (1-based).</param>
internal readonly record struct FilePinMeasurement(long Raw, long Background, int Attempt)
{
    public override string ToString() => $"{Raw} (attempt {Attempt}; other processes pinned about {Background} meanwhile)";
}

/// <summary>The estimated own pins of a run of requests, from a quiet run or against a control.</summary>
internal readonly record struct FilePinDifference(long Own, long Raw, long Control, int Runs, bool Quiet)
{
    public override string ToString() => Quiet
        ? $"{Own} (run {Runs}, quiet enough to count alone)"
        : $"about {Own} own (over {Runs} runs alternating with a pinned control: median raw {Raw}, control {Control}; other processes pinned meanwhile)";
}

/// <summary>
/// Measures the kernel's pin counter around a run of requests. The counter is system-wide:
/// other processes (a benchmark on the same machine) pin meanwhile and only ever add to it.
/// So a lower bound holds on the raw growth, and an upper bound holds once some attempt's raw
/// growth is under it: attempts are repeated until one satisfies the test's bound. Each
/// attempt also counts 20 ms before and after the run, to report how much other processes
/// are estimated to have added.
/// </summary>
internal static class FileKernelPins
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Up to <paramref name="attempts"/> measurements of <paramref name="requests"/>, until one
    /// satisfies <paramref name="ok"/>; returns that one, or the last.
    /// </summary>
    public static async Task<FilePinMeasurement> MeasureAsync(Func<FilePinMeasurement, bool> ok, Func<Task> requests, int attempts = 3)
    {
        FilePinMeasurement last = default;
        for (int attempt = 1; attempt <= attempts; attempt++)
        {
            long a0 = Read();
            long t0 = Stopwatch.GetTimestamp();
            await Task.Delay(Quiet);
            long a1 = Read();
            long t1 = Stopwatch.GetTimestamp();
            await requests();
            long a2 = Read();
            long t2 = Stopwatch.GetTimestamp();
            await Task.Delay(Quiet);
            long a3 = Read();
            long t3 = Stopwatch.GetTimestamp();
            double rate = (double)((a1 - a0) + (a3 - a2)) / ((t1 - t0) + (t3 - t2));
            last = new FilePinMeasurement(a2 - a1, (long)Math.Round(rate * (t2 - t1)), attempt);
            if (ok(last))
            {
                return last;
            }
        }
        return last;
    }

    /// <summary>
    /// For an upper bound on a busy machine: runs <paramref name="requests"/> and
    /// <paramref name="control"/> — the same requests from memory the kernel must pin, known to
    /// pin <paramref name="controlPins"/> pages — alternately, <paramref name="pairs"/> times.
    /// Other processes add about as much to both, so the requests' own count is estimated as
    /// <paramref name="controlPins"/> less the median of (control − requests). A run whose raw
    /// growth is already under <paramref name="enough"/> settles it at once (others only add).
    /// </summary>
    public static async Task<FilePinDifference> MeasureAgainstControlAsync(Func<Task> requests, Func<Task> control, long controlPins, long enough, int pairs = 15)
    {
        var raw = new List<long>(pairs);
        var controls = new List<long>(pairs);
        var saved = new List<long>(pairs);
        for (int i = 0; i < pairs; i++)
        {
            long a = await GrowthAsync(requests);
            raw.Add(a);
            if (a <= enough)
            {
                return new FilePinDifference(a, a, 0, i + 1, Quiet: true);
            }
            long c = await GrowthAsync(control);
            controls.Add(c);
            saved.Add(c - a);
        }
        return new FilePinDifference(controlPins - Median(saved), Median(raw), Median(controls), pairs, Quiet: false);
    }

    private static async Task<long> GrowthAsync(Func<Task> run)
    {
        long before = Read();
        await run();
        return Read() - before;
    }

    private static long Median(List<long> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static long Read()
    {
        Assert.True(KernelPinCounters.TryRead(out long acquired, out _), "/proc/vmstat has no nr_foll_pin_acquired on this kernel");
        return acquired;
    }
}
