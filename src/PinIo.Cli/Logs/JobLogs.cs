// Follows fio's stat.c (add_lat_sample, add_clat_sample, add_slat_sample, add_bw_sample,
// add_iops_sample, __add_samples) and io_u.c (account_io_completion) in meaning, not in code.
using System.Diagnostics;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Logs;

/// <summary>
/// A job's write_lat_log, write_bw_log and write_iops_log, fed by the job thread with what fio
/// logs: every completion of the measured phases (main and verify; not the layout, not
/// ramp_time), and every submission of an I/O left in flight for the submission latency. Times
/// count from <see cref="Start"/>, which the runner calls when ramp_time ends, as fio resets its
/// epoch then.
/// </summary>
/// <remarks>
/// <para>Entries, as fio makes them:</para>
/// <list type="bullet">
/// <item>lat, clat: at completion, the total and completion latency in ns, bs the bytes
/// transferred, the target offset. slat: at submission, in ns, bs the bytes asked for.</item>
/// <item>bw and iops with log_avg_msec=0: at completion, the I/O's bytes over its completion
/// latency, bytes × 10⁶ / clat ns (fio's add_bw_sample: bytes per ms, which fio calls KiB/s),
/// and 1.</item>
/// <item>bw and iops with log_avg_msec=N: at each multiple of N ms (fio's helper thread, which
/// wakes on those boundaries; here the first completion past one, since nothing else runs on
/// the job thread), each direction that moved data gets its rate over the time since the last
/// sample, in KiB/s and I/Os per second (fio's __add_samples). A direction that did nothing
/// gets no line, and the time after the last sample is not logged.</item>
/// </list>
/// </remarks>
internal sealed class JobLogs
{
    private readonly SampleLog? _lat;
    private readonly SampleLog? _clat;
    private readonly SampleLog? _slat;
    private readonly SampleLog? _bw;
    private readonly SampleLog? _iops;
    private readonly int _avgMs;
    private readonly long[] _bytes = new long[IoDirs.Count];
    private readonly long[] _ios = new long[IoDirs.Count];
    private readonly long[] _bytesAtSample = new long[IoDirs.Count];
    private readonly long[] _iosAtSample = new long[IoDirs.Count];
    private long _epoch;
    private long _lastSampleMs;
    private long _nextSampleMs;

    private JobLogs(LogPlan plan, LogFiles files)
    {
        _avgMs = plan.AvgMsec;
        _lat = OpenLog(plan.LatPath, Opt.WriteLatLog.Name, offPath: false);
        _clat = OpenLog(plan.ClatPath, Opt.WriteLatLog.Name, offPath: false);
        _slat = OpenLog(plan.SlatPath, Opt.WriteLatLog.Name, offPath: false);
        // Windowed rates are sampled beside the I/O path, as fio's helper thread samples them.
        _bw = OpenLog(plan.BwPath, Opt.WriteBwLog.Name, offPath: _avgMs > 0);
        _iops = OpenLog(plan.IopsPath, Opt.WriteIopsLog.Name, offPath: _avgMs > 0);

        SampleLog? OpenLog(string? path, string option, bool offPath) =>
            path is null ? null : new SampleLog(files.Get(path), option, plan, offPath);
    }

    /// <summary>The first log write that failed, naming the option and the file; null while all is well.</summary>
    public IOException? Error => _lat?.Error ?? _clat?.Error ?? _slat?.Error ?? _bw?.Error ?? _iops?.Error;

    /// <summary>The logs of <paramref name="plan"/> over files already open in <paramref name="files"/>; null when the job writes none.</summary>
    public static JobLogs? Create(LogPlan plan, LogFiles files) => plan.Any ? new JobLogs(plan, files) : null;

    /// <summary>Sets time 0 of the logs, a Stopwatch timestamp.</summary>
    public void Start(long timestamp)
    {
        _epoch = timestamp;
        _lastSampleMs = 0;
        _nextSampleMs = _avgMs;
    }

    /// <summary>An I/O went in flight <paramref name="slatNs"/> after its submission began.</summary>
    public void Submitted(IoDir dir, int length, long offset, long slatNs, long submittedAt, ushort ioprio = 0) =>
        _slat?.Add(MsSinceStart(submittedAt), slatNs, dir, length, offset, ioprio);

    /// <summary>An I/O of the measured phases moved <paramref name="bytes"/> (more than 0).</summary>
    public void Completed(IoDir dir, long bytes, long offset, long clatNs, long latNs, long completedAt, ushort ioprio = 0)
    {
        long timeMs = MsSinceStart(completedAt);
        _lat?.Add(timeMs, latNs, dir, bytes, offset, ioprio);
        _clat?.Add(timeMs, clatNs, dir, bytes, offset, ioprio);
        if (_avgMs == 0)
        {
            _bw?.Add(timeMs, clatNs > 0 ? bytes * 1_000_000 / clatNs : 0, dir, bytes, offset, ioprio);
            _iops?.Add(timeMs, 1, dir, bytes, offset, ioprio);
            return;
        }
        _bytes[(int)dir] += bytes;
        _ios[(int)dir]++;
        if (timeMs >= _nextSampleMs && (_bw is not null || _iops is not null))
        {
            SampleRates(timeMs);
            _nextSampleMs = timeMs - (timeMs % _avgMs) + _avgMs;
        }
    }

    /// <summary>Closes the open windows and writes out every log (the files stay open for other jobs).</summary>
    public void Finish(long timestamp)
    {
        long timeMs = MsSinceStart(timestamp);
        _lat?.Finish(timeMs);
        _clat?.Finish(timeMs);
        _slat?.Finish(timeMs);
        _bw?.Finish(timeMs);
        _iops?.Finish(timeMs);
    }

    /// <summary>Each direction's bandwidth and IOPS since the last sample, as fio's __add_samples computes them in whole ms.</summary>
    private void SampleRates(long timeMs)
    {
        long spentMs = timeMs - _lastSampleMs;
        for (int d = 0; d < _bytes.Length; d++)
        {
            long bytes = _bytes[d] - _bytesAtSample[d];
            long ios = _ios[d] - _iosAtSample[d];
            if (ios == 0)
            {
                continue;
            }
            _bw?.Add(timeMs, spentMs > 0 ? bytes * 1000 / spentMs / 1024 : 0, (IoDir)d, 0, 0);
            _iops?.Add(timeMs, spentMs > 0 ? ios * 1000 / spentMs : 0, (IoDir)d, 0, 0);
            _bytesAtSample[d] = _bytes[d];
            _iosAtSample[d] = _ios[d];
        }
        _lastSampleMs = timeMs;
    }

    private long MsSinceStart(long timestamp) => (timestamp - _epoch) * 1000 / Stopwatch.Frequency;
}
