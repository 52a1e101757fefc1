// Follows fio's backend.c (rate_ddir, handle_thinktime, usec_sleep) in meaning, not in code.
using System.Diagnostics;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Runner;

/// <summary>The loop's pacing: rate=/rate_iops= (and rate_min's check), thinktime, and the quiescing they need.</summary>
internal sealed partial class IoLoop
{
    private readonly RateLimiter? _rate;
    private readonly MinRateCheck? _minRate;
    private readonly ThinkTime? _think;
    private readonly bool _rateIgnoresThink;

    // io_submit_mode=inline waits for what is in flight before sleeping for the rate, as fio's rate_ddir; offload does not.
    private readonly bool _quiesceForRate;

    /// <summary>The pacers start with the phase: rate and thinktime in the main phase (as fio's do_io), the rate_min check in the measured one.</summary>
    private void BeginPacing(Phase phase, long start)
    {
        _rate?.Begin(start);
        _think?.Begin(start);
        _minRate?.Begin(start, active: phase == Phase.Main && ReferenceEquals(_accounting.Recording, _accounting.Stats));
    }

    /// <summary>
    /// rate=/rate_iops=: waits until an I/O in <paramref name="dir"/> is due, with nothing in
    /// flight (io_submit_mode=inline) or with the I/O in flight left to complete meanwhile (offload). False when the runtime ends or the job is stopped first: the I/O is not issued.
    /// </summary>
    private bool WaitForRate(IoDir dir, long deadline, CancellationToken ct, ref long now)
    {
        long due = _rate!.DueAt(dir);
        if (due <= now)
        {
            return true;
        }
        if (_quiesceForRate)
        {
            Quiesce();
        }
        Pause.Until(Math.Min(due, deadline), ct);
        now = _clock.Now();
        return now < deadline && !ct.IsCancellationRequested;
    }

    /// <summary>A main-phase I/O was issued: the rate counts it, and a thinktime that is due is taken, with nothing in flight.</summary>
    private void AfterIssue(IoRequest request, long deadline, CancellationToken ct)
    {
        _rate?.Issued(request.Dir, request.Length);
        if (_think is null)
        {
            return;
        }
        _think.Issued();
        ThinkIfDue(deadline, ct);
    }

    /// <summary>thinktime: once due (after thinktime_blocks or thinktime_iotime), the pause, with nothing in flight; with rate_ignore_thinktime the rate's schedule moves past it.</summary>
    private void ThinkIfDue(long deadline, CancellationToken ct)
    {
        if (_think is not null && _think.Due(Stopwatch.GetTimestamp()))
        {
            Quiesce();
            long paused = _think.Take(deadline, ct);
            if (_rateIgnoresThink)
            {
                _rate?.Skip(paused);
            }
        }
    }
}
