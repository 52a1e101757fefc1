// Follows fio's io_u.c (lat_target_init, lat_target_check, lat_target_success, __lat_target_failed) in meaning, not in code.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// latency_target: the queue-depth probe of fio. The job starts at depth 1 and, every
/// latency_window, looks at the I/Os of the window: when at least latency_percentile of them
/// completed within the target the depth goes up (doubling until a depth has failed, then
/// bisecting towards the lowest failed one), else down (bisecting towards the highest one that
/// held). With latency_percentile=100 a single late I/O fails the window at once. When a
/// success leaves the depth where it was, the depth is found: the job runs one more window at
/// it and ends (latency_run=1: it keeps probing until its size or runtime ends it). An I/O
/// late at depth 1 with latency_percentile=100 ends the job with ETIMEDOUT, as fio's lat_fatal. The depth bounds the I/Os
/// the loop keeps in flight; nothing is allocated per I/O.
/// </summary>
internal sealed class LatencyTarget
{
    private readonly long _targetTicks;
    private readonly long _windowTicks;
    private readonly double _percentile;
    private readonly bool _keepRunning;
    private readonly int _maxDepth;
    private int _low = 1;
    private int _high;
    private int _stable;
    private bool _finalWindow;
    private long _cycleStart;
    private long _cycleIos;
    private long _failed;

    private LatencyTarget(JobPlan plan)
    {
        _targetTicks = IoClock.UsToTicks(plan.Get(Opt.LatencyTarget));
        _windowTicks = IoClock.UsToTicks(plan.Get(Opt.LatencyWindow));
        _percentile = plan.Get(Opt.LatencyPercentile);
        _keepRunning = plan.Get(Opt.LatencyRun);
        _maxDepth = plan.Get(Opt.IoDepth);
        _high = _maxDepth;
        Depth = 1;
    }

    /// <summary>The probe of <paramref name="plan"/>, or null when it sets no latency_target.</summary>
    public static LatencyTarget? For(JobPlan plan) => plan.Get(Opt.LatencyTarget) > 0 ? new LatencyTarget(plan) : null;

    /// <summary>The I/Os the loop may keep in flight now.</summary>
    public int Depth { get; private set; }

    /// <summary>The depth was found and its last window has run: the job ends.</summary>
    public bool Done { get; private set; }

    /// <summary>Starts the probe's clock (the main phase begins).</summary>
    public void Begin(long now, long ios)
    {
        _cycleStart = now;
        _cycleIos = ios;
    }

    /// <summary>
    /// One I/O completed after <paramref name="latencyTicks"/>; <paramref name="ios"/> counts the
    /// job's completed I/Os. Returns a message when the job must fail (late at depth 1).
    /// </summary>
    public string? Completed(long latencyTicks, long ios, long now)
    {
        if (latencyTicks > _targetTicks)
        {
            if (_percentile < 100)
            {
                _failed++;
            }
            else if (Depth == 1)
            {
                return $"latency_target: an I/O took {IoClock.TicksToNs(latencyTicks)} ns at queue depth 1, over the target of {IoClock.TicksToNs(_targetTicks)} ns: raise latency_target or lower latency_percentile";
            }
            else
            {
                Fail(now, ios);
                return null;
            }
        }
        if (now - _cycleStart >= _windowTicks)
        {
            long windowIos = ios - _cycleIos;
            double held = windowIos == 0 ? 100 : 100.0 * (windowIos - _failed) / windowIos;
            if (held >= _percentile)
            {
                Succeed(now, ios);
            }
            else if (Depth == 1)
            {
                // fio's lat_target_check ignores a failed window at depth 1: it stays there and tries again.
                NewCycle(now, ios);
            }
            else
            {
                Fail(now, ios);
            }
        }
        return null;
    }

    private void Fail(long now, long ios)
    {
        _high = Depth;
        if (Depth == _low)
        {
            _low--;
        }
        Depth = Math.Max(1, (Depth + _low) / 2);
        _stable = 0;
        NewCycle(now, ios);
    }

    private void Succeed(long now, long ios)
    {
        int before = Depth;
        _low = Depth;
        if (Depth + 1 == _high && ++_stable >= 3)
        {
            // Stuck one below a failed depth: try it again now and then, as fio does.
            _high++;
            _stable = 0;
        }
        Depth = _high != _maxDepth ? (Depth + _high) / 2 : Depth * 2;
        Depth = Math.Min(Depth, _maxDepth);
        if (!_keepRunning && Depth == before)
        {
            // The depth is found: one more window at it, then the job ends.
            Done = _finalWindow;
            _finalWindow = true;
        }
        NewCycle(now, ios);
    }

    private void NewCycle(long now, long ios)
    {
        _cycleStart = now;
        _cycleIos = ios;
        _failed = 0;
    }
}
