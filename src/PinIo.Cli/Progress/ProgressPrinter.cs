using System.Diagnostics;
using PinIo.Cli.Jobs;
using PinIo.Cli.Report;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Progress;

/// <summary>fio's --eta: when the live progress line is printed.</summary>
internal enum EtaMode
{
    /// <summary>When standard output is a terminal.</summary>
    Auto,
    Always,
    Never,
}

/// <summary>
/// Prints <see cref="ProgressLine"/> about once a second while jobs run, on standard output,
/// each time over the last with a carriage return (padded so that a shorter line hides a
/// longer one), as fio does. It runs on its own thread and only reads the jobs' counters.
/// </summary>
internal sealed class ProgressPrinter : IDisposable
{
    private readonly TextWriter _output;
    private readonly IReadOnlyList<ProgressJob> _jobs;
    private readonly JobProgress[] _progress;
    private readonly long _programStart;
    private readonly TimeSpan _interval;
    private readonly ManualResetEventSlim _stop = new();
    private Thread? _thread;
    private int _lastLength;

    /// <summary>A printer of <paramref name="plans"/>' progress, read from <paramref name="progress"/> (the counters their runners keep, one per plan).</summary>
    public ProgressPrinter(TextWriter output, IReadOnlyList<JobPlan> plans, IReadOnlyList<JobProgress> progress, long programStart, TimeSpan? interval = null)
    {
        _output = output;
        _jobs = [.. plans.Select(ProgressJob.From)];
        _progress = [.. progress];
        _programStart = programStart;
        _interval = interval ?? TimeSpan.FromSeconds(1);
    }

    /// <summary>Whether a line was printed (and so is still on the screen).</summary>
    public bool Printed { get; private set; }

    /// <summary>
    /// Whether to show the line: never with --eta=never; never when the report itself goes to
    /// standard output in a format other than normal (a script reads it); with --eta=always
    /// otherwise; with auto only when standard output is a terminal.
    /// </summary>
    public static bool ShouldShow(EtaMode mode, bool stdoutIsTerminal, OutputFormats formats, bool reportOnStdout)
    {
        if (mode == EtaMode.Never)
        {
            return false;
        }
        if (reportOnStdout && (formats & OutputFormats.Normal) == 0)
        {
            return false;
        }
        return mode == EtaMode.Always || stdoutIsTerminal;
    }

    public void Start()
    {
        _thread = new Thread(Loop) { Name = "pinio progress", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Stops printing; with <paramref name="endLine"/> the line on screen is ended with a newline.</summary>
    public void Stop(bool endLine)
    {
        _stop.Set();
        _thread?.Join();
        _thread = null;
        if (Printed && endLine)
        {
            _output.Write('\n');
            _output.Flush();
        }
    }

    public void Dispose()
    {
        Stop(endLine: false);
        _stop.Dispose();
    }

    private void Loop()
    {
        JobProgressSnapshot[] previous = Snap();
        while (!_stop.Wait(_interval))
        {
            JobProgressSnapshot[] now = Snap();
            long elapsed = ((Stopwatch.GetTimestamp() - _programStart) * 1000 / Stopwatch.Frequency + 999) / 1000;
            string line = ProgressLine.Format(_jobs, previous, now, elapsed);
            previous = now;
            string padded = line.Length < _lastLength ? line.PadRight(_lastLength) : line;
            _lastLength = line.Length;
            _output.Write(padded + "\r");
            _output.Flush();
            Printed = true;
        }
    }

    private JobProgressSnapshot[] Snap()
    {
        var snapshots = new JobProgressSnapshot[_progress.Length];
        for (int i = 0; i < snapshots.Length; i++)
        {
            snapshots[i] = _progress[i].Snapshot();
        }
        return snapshots;
    }
}
