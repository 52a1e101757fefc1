using System.Diagnostics;

namespace PinIo.Cli.Stats;

/// <summary>
/// Bandwidth and IOPS samples, one per window of fio's default <c>bw_avg_time</c> /
/// <c>iops_avg_time</c> (500 ms), taken as completions are reaped. A window's sample is the
/// bytes and I/Os completed in it divided by its length; the last, partial window is not
/// sampled, so a 5 s run gives 9 or 10 samples per active direction, except that a phase too
/// short for one whole window gets one sample of what it did (fio would print no bw line).
/// </summary>
internal sealed class RateSampler(JobStats stats, long windowMs = 500)
{
    private readonly long _windowTicks = Stopwatch.Frequency * windowMs / 1000;
    private readonly bool[] _active = new bool[IoDirs.Count];
    private readonly long[] _lastBytes = new long[IoDirs.Count];
    private readonly long[] _lastIos = new long[IoDirs.Count];
    private long _windowStart;
    private long _nextSample;

    /// <summary>Starts a phase in which <paramref name="read"/>, <paramref name="write"/> and <paramref name="trim"/> say which directions run.</summary>
    public void Start(long now, bool read, bool write, bool trim)
    {
        _active[0] = read;
        _active[1] = write;
        _active[2] = trim;
        _windowStart = now;
        _nextSample = now + _windowTicks;
        for (int d = 0; d < IoDirs.Count; d++)
        {
            _lastBytes[d] = stats[(IoDir)d].IoBytes;
            _lastIos[d] = stats[(IoDir)d].TotalIos;
        }
    }

    public void Tick(long now)
    {
        if (now >= _nextSample)
        {
            Sample(now);
        }
    }

    /// <summary>Ends a phase: a direction that did I/O but was never sampled gets one sample of the partial window.</summary>
    public void Finish(long now)
    {
        for (int d = 0; d < IoDirs.Count; d++)
        {
            DirStats dir = stats[(IoDir)d];
            if (_active[d] && dir.Bw.Samples == 0 && dir.TotalIos > _lastIos[d] && now > _windowStart)
            {
                Sample(now);
                return;
            }
        }
    }

    private void Sample(long now)
    {
        double seconds = (double)(now - _windowStart) / Stopwatch.Frequency;
        for (int d = 0; d < IoDirs.Count; d++)
        {
            if (!_active[d])
            {
                continue;
            }
            DirStats dir = stats[(IoDir)d];
            dir.Bw.Add((long)((dir.IoBytes - _lastBytes[d]) / 1024.0 / seconds));
            dir.Iops.Add((long)((dir.TotalIos - _lastIos[d]) / seconds));
            _lastBytes[d] = dir.IoBytes;
            _lastIos[d] = dir.TotalIos;
        }
        _windowStart = now;
        _nextSample = now + _windowTicks;
    }
}
