// Follows fio's backend.c (__check_min_rate, check_min_rate) in meaning, not in code.
using System.Diagnostics;
using System.Globalization;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Runner;

/// <summary>
/// rate_min and rate_iops_min: after a settling time of 2 s from the phase's start, every
/// ratecycle, the bytes (or I/Os) completed in each direction since the last check must come
/// to the minimum rate, or the job fails with EIO and fio's message. A direction that has
/// completed nothing is not checked, as in fio. Measured main phase only; allocates nothing
/// until it fails.
/// </summary>
internal sealed class MinRateCheck
{
    private const int Dirs = 3;
    private static readonly long SettleTicks = 2 * Stopwatch.Frequency;

    private readonly string _job;
    private readonly RatePerDir _minBytes;
    private readonly RatePerDir _minIops;
    private readonly long _cycleTicks;
    private readonly long[] _bytes = new long[Dirs];
    private readonly long[] _ios = new long[Dirs];
    private readonly long[] _lastBytes = new long[Dirs];
    private readonly long[] _lastIos = new long[Dirs];
    private readonly long[] _lastAt = new long[Dirs];
    private long _start;

    private MinRateCheck(JobPlan plan)
    {
        _job = plan.Name;
        _minBytes = plan.Get(Opt.RateMin);
        _minIops = plan.Get(Opt.RateIopsMin);
        _cycleTicks = plan.Get(Opt.RateCycle) * Stopwatch.Frequency / 1000;
    }

    /// <summary>The job's check, or null without rate_min and rate_iops_min.</summary>
    public static MinRateCheck? For(JobPlan plan) => plan.Get(Opt.RateMin).Any || plan.Get(Opt.RateIopsMin).Any ? new MinRateCheck(plan) : null;

    /// <summary>Whether completions are counted and checked (the measured main phase).</summary>
    public bool Active { get; private set; }

    public void Begin(long now, bool active)
    {
        Active = active;
        _start = now;
        Array.Clear(_bytes);
        Array.Clear(_ios);
        Array.Clear(_lastBytes);
        Array.Clear(_lastIos);
        Array.Clear(_lastAt);
    }

    public void Completed(IoDir dir, long bytes)
    {
        _bytes[(int)dir] += bytes;
        _ios[(int)dir]++;
    }

    /// <summary>The job's failure when a direction fell below its minimum over the last ratecycle; null otherwise.</summary>
    public DirectIoException? Check(long now)
    {
        if (!Active || now - _start < SettleTicks)
        {
            return null;
        }
        for (int d = 0; d < Dirs; d++)
        {
            var dir = (IoDir)d;
            if (_bytes[d] == 0 || (_minBytes[dir] == 0 && _minIops[dir] == 0))
            {
                continue;
            }
            if (_lastAt[d] != 0)
            {
                long spent = now - _lastAt[d];
                if (spent < _cycleTicks || spent <= 0)
                {
                    continue;
                }
                if (Below(dir, spent) is { } failure)
                {
                    return failure;
                }
            }
            _lastBytes[d] = _bytes[d];
            _lastIos[d] = _ios[d];
            _lastAt[d] = now;
        }
        return null;
    }

    private DirectIoException? Below(IoDir dir, long spent)
    {
        int d = (int)dir;
        if (_minBytes[dir] > 0)
        {
            long rate = (long)((_bytes[d] - _lastBytes[d]) * (double)Stopwatch.Frequency / spent);
            return rate >= _minBytes[dir] ? null : new DirectIoException(Errno.EIO, string.Create(CultureInfo.InvariantCulture,
                $"{_job}: rate_min={_minBytes[dir]}B/s not met, got {rate}B/s ({dir.ToString().ToLowerInvariant()}s over ratecycle={_cycleTicks * 1000 / Stopwatch.Frequency}ms): the target cannot keep up; lower rate_min or drop it"));
        }
        long iops = (long)((_ios[d] - _lastIos[d]) * (double)Stopwatch.Frequency / spent);
        return iops >= _minIops[dir] ? null : new DirectIoException(Errno.EIO, string.Create(CultureInfo.InvariantCulture,
            $"{_job}: rate_iops_min={_minIops[dir]} not met, got {iops} IOPS ({dir.ToString().ToLowerInvariant()}s over ratecycle={_cycleTicks * 1000 / Stopwatch.Frequency}ms): the target cannot keep up; lower rate_iops_min or drop it"));
    }
}
