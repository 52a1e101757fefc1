// Follows io_uring/io_uring.c (io_cqring_wait, io_run_local_work): how a polled ring's owner waits.
using System.Diagnostics;
using PinIo.Linux;

namespace PinIo.Devices;

internal sealed unsafe partial class IoUringEngine
{
    // After a spin that found nothing, the next 2^n reaps (n up to this) sleep at once.
    private const int MaxSpinBackoffShift = 10;

    // One turn of the spin is an io_uring_enter without a wait, a few microseconds at most; a
    // longer gap between two looks means the thread lost its CPU meanwhile (preempted).
    private static readonly long s_preemptedGapTicks = Stopwatch.Frequency * 20 / 1_000_000;

    private int _spinBackoffShift;
    private int _reapsUntilSpin;

    /// <summary>Reaps that spun (looked again without a wait), whatever they found.</summary>
    public long Spins { get; private set; }

    /// <summary>Reaps that spun and found their completions (<see cref="FileDeviceOptions.ReapSpinMicroseconds"/>).</summary>
    public long SpinHits { get; private set; }

    /// <summary>Reaps that spun for the whole time and then slept, or found their completions only after losing the CPU.</summary>
    public long SpinMisses { get; private set; }

    /// <summary>
    /// The reap's spin (<see cref="FileDeviceOptions.ReapSpinMicroseconds"/>): submits what is
    /// published, then enters without a wait — which runs the completions' deferred task work
    /// (DEFER_TASKRUN posts a CQE only when its owner enters with GETEVENTS) and never sleeps —
    /// and reaps, until <paramref name="minComplete"/> requests have ended in this poll or the
    /// spin's time is up. Returns how many the caller must still wait for (0: none).
    /// <para>
    /// Why: a completion that comes from another CPU (an io-wq worker, a loop kworker) finds a
    /// sleeping owner's CPU idle; the wake-up is an inter-processor interrupt and an idle exit,
    /// tens of microseconds in a virtual machine, and the owner's caches have gone cold. Spinning
    /// a few microseconds keeps the CPU busy until the completion is there. But when the
    /// completion needs this very CPU (the worker was woken beside the owner: a busy machine),
    /// spinning only delays it; so a spin that finds nothing in its time, or finds it only
    /// after the thread lost its CPU (the worker preempted the spinner), makes the next reaps
    /// sleep at once, twice as many each time (up to 2^<see cref="MaxSpinBackoffShift"/>), and
    /// one that finds its completions without losing the CPU starts over. Completions there at
    /// the first look say nothing either way: a wait would have found them without sleeping.
    /// </para>
    /// </summary>
    private uint SpinForCompletions(int minComplete, Span<IoUringCqe> batch)
    {
        if (_reapsUntilSpin > 0)
        {
            _reapsUntilSpin--;
            return (uint)Math.Clamp(minComplete - _completedInPoll, 0, _inFlight);
        }
        Spins++;
        long last = Stopwatch.GetTimestamp();
        long deadline = last + _reapSpinTicks;
        bool preempted = false;
        for (int turn = 0; ; turn++)
        {
            ThrowIfEnterFailed(EnterRetrying(0));
            Reap(batch);
            EndFlushed();
            uint left = (uint)Math.Clamp(minComplete - _completedInPoll, 0, _inFlight);
            long now = Stopwatch.GetTimestamp();
            preempted |= now - last > s_preemptedGapTicks;
            last = now;
            if (left == 0 && turn == 0)
            {
                return 0; // there at the first look: a wait would not have slept either
            }
            if (left == 0 && !preempted)
            {
                SpinHits++;
                _spinBackoffShift = 0;
                return 0;
            }
            if (left == 0 || now >= deadline)
            {
                SpinMisses++;
                _reapsUntilSpin = 1 << _spinBackoffShift;
                _spinBackoffShift = Math.Min(_spinBackoffShift + 1, MaxSpinBackoffShift);
                return left;
            }
        }
    }
}
