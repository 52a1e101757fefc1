// Follows fio's backend.c (usec_for_io) and io_u.c (rate_ddir) in meaning, not in code.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Runner;

/// <summary>
/// rate= and rate_iops=: when a direction's next I/O is due. Linear (fio's default): when the
/// bytes issued so far in the phase, at the rate, have had their time since the phase began —
/// so a late wake-up or a slow I/O is caught up by the next ones and the rate holds on
/// average. Poisson: each I/O a random gap (exponential, mean 1/IOPS) after the one before.
/// Made once per job; nothing is allocated per I/O.
/// </summary>
internal sealed class RateLimiter
{
    private const int Dirs = 3;

    // Stopwatch ticks each unit issued buys: a byte, or an I/O (rate_iops with bssplit, as fio).
    private readonly double[] _ticksPerUnit = new double[Dirs];
    private readonly bool[] _perIo = new bool[Dirs];
    private readonly long[] _issued = new long[Dirs];
    private readonly long[] _due = new long[Dirs];
    private readonly Random? _poisson;
    private long _start;

    private RateLimiter(JobPlan plan)
    {
        RatePerDir bytes = plan.Get(Opt.Rate);
        RatePerDir iops = plan.Get(Opt.RateIops);
        for (int d = 0; d < Dirs; d++)
        {
            var dir = (IoDir)d;
            BlockSizeSpec bs = dir == IoDir.Read ? plan.Bs.Read : plan.Bs.Write;
            if (bytes[dir] > 0)
            {
                _ticksPerUnit[d] = (double)System.Diagnostics.Stopwatch.Frequency / bytes[dir];
            }
            else if (iops[dir] > 0)
            {
                _perIo[d] = bs.Split is not null;
                _ticksPerUnit[d] = (double)System.Diagnostics.Stopwatch.Frequency / (_perIo[d] ? iops[dir] : iops[dir] * (double)bs.Min);
            }
        }
        if (plan.Get(Opt.RateProcess) == RateProcess.Poisson)
        {
            _poisson = new Random(unchecked((int)plan.Seed));
        }
    }

    /// <summary>The job's limiter, or null when it has no rate.</summary>
    public static RateLimiter? For(JobPlan plan) => plan.Get(Opt.Rate).Any || plan.Get(Opt.RateIops).Any ? new RateLimiter(plan) : null;

    /// <summary>A phase starts at <paramref name="now"/>: its schedule starts there.</summary>
    public void Begin(long now)
    {
        _start = now;
        Array.Clear(_issued);
        Array.Fill(_due, now);
    }

    /// <summary>When the next I/O in <paramref name="dir"/> may be issued (Stopwatch ticks); long.MinValue for a direction without a rate.</summary>
    public long DueAt(IoDir dir)
    {
        int d = (int)dir;
        if (_ticksPerUnit[d] == 0)
        {
            return long.MinValue;
        }
        return _poisson is not null ? _due[d] : _start + (long)(_issued[d] * _ticksPerUnit[d]);
    }

    /// <summary>An I/O of <paramref name="bytes"/> was issued in <paramref name="dir"/>.</summary>
    public void Issued(IoDir dir, int bytes)
    {
        int d = (int)dir;
        if (_ticksPerUnit[d] == 0)
        {
            return;
        }
        long units = _perIo[d] ? 1 : bytes;
        _issued[d] += units;
        if (_poisson is not null)
        {
            // An exponential gap of mean (units at the rate); 1 - U keeps the logarithm finite.
            _due[d] += (long)(-Math.Log(1.0 - _poisson.NextDouble()) * units * _ticksPerUnit[d]);
        }
    }

    /// <summary>rate_ignore_thinktime: the schedule moves on by the pause, so the I/O the pause missed is not caught up.</summary>
    public void Skip(long ticks)
    {
        _start += ticks;
        for (int d = 0; d < Dirs; d++)
        {
            _due[d] += ticks;
        }
    }
}
