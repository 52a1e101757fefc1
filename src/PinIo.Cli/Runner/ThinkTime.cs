// Follows fio's backend.c (handle_thinktime, init_thinktime) in meaning, not in code.
using System.Diagnostics;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// thinktime: the job pauses after every thinktime_blocks blocks (completed, or issued with
/// thinktime_blocks_type=issue), or after thinktime_iotime of I/O, as an application that
/// works on what it read: first thinktime_spin on the CPU, then asleep for the rest. The
/// pause never runs past the job's runtime. Main phase only, as fio's do_io.
/// </summary>
internal sealed class ThinkTime
{
    private readonly long _thinkTicks;
    private readonly long _spinTicks;
    private readonly long _blocks;
    private readonly bool _countIssued;
    private readonly bool _blocksSet;
    private readonly long _ioTimeTicks;
    private long _issued;
    private long _completed;
    private long _lastCount;
    private long _lastPause;

    private ThinkTime(JobPlan plan)
    {
        _thinkTicks = IoClock.UsToTicks(plan.Get(Opt.ThinkTime));
        _spinTicks = Math.Min(_thinkTicks, IoClock.UsToTicks(plan.Get(Opt.ThinkTimeSpin)));
        _blocks = plan.Get(Opt.ThinkTimeBlocks);
        _countIssued = plan.Get(Opt.ThinkTimeBlocksType) == ThinkTimeBlocksType.Issue;
        _blocksSet = plan.Options.IsSet(Opt.ThinkTimeBlocks);
        _ioTimeTicks = IoClock.UsToTicks(plan.Get(Opt.ThinkTimeIoTime));
    }

    /// <summary>The job's thinktime, or null when it has none.</summary>
    public static ThinkTime? For(JobPlan plan) => plan.Get(Opt.ThinkTime) > 0 ? new ThinkTime(plan) : null;

    /// <summary>Pauses taken (for tests and notes).</summary>
    public long Pauses { get; private set; }

    public void Begin(long now)
    {
        _issued = 0;
        _completed = 0;
        _lastCount = 0;
        _lastPause = now;
    }

    public void Issued() => _issued++;

    public void Completed() => _completed++;

    /// <summary>Whether a pause is due now: thinktime_iotime has passed, or thinktime_blocks blocks since the last pause (thinktime_iotime alone: only the time counts, as fio's).</summary>
    public bool Due(long now)
    {
        if (_ioTimeTicks > 0)
        {
            if (now - _lastPause >= _ioTimeTicks)
            {
                return true;
            }
            if (!_blocksSet)
            {
                return false;
            }
        }
        return (_countIssued ? _issued : _completed) >= _lastCount + _blocks;
    }

    /// <summary>The pause (call with nothing in flight): spin, then sleep, ending by <paramref name="deadline"/>; returns its length in ticks.</summary>
    public long Take(long deadline, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        long end = Math.Min(deadline, start + _thinkTicks);
        Pause.SpinUntil(Math.Min(end, start + _spinTicks), ct);
        Pause.Until(end, ct);
        long now = Stopwatch.GetTimestamp();
        _lastCount = _countIssued ? _issued : _completed;
        _lastPause = now;
        Pauses++;
        return now - start;
    }
}
