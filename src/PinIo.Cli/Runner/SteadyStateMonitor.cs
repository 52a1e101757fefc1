// Follows fio's steadystate.c (steadystate_check, run by fio's helper thread) in meaning, not in code.
using System.Diagnostics;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Runner;

/// <summary>
/// steadystate for the jobs of one stonewall segment: a thread of its own takes a sample every
/// steadystate_check_interval from the jobs' live counters (bytes and I/Os completed, as fio's
/// helper thread reads io_bytes and io_blocks), for each job — or, under group_reporting, for
/// the sum of its group's jobs, as fio's — once steadystate_ramp_time and one more interval
/// have passed since the job's measured phase began. When a window attains steady state its
/// jobs are stopped as exitall stops them: they drain what is in flight and report. The jobs'
/// own threads never wait on it.
/// </summary>
internal sealed class SteadyStateMonitor : IDisposable
{
    private readonly Unit[] _units;
    private readonly CancellationTokenSource?[] _stopJob;
    private readonly long _intervalUs;
    private readonly ManualResetEventSlim _done = new();
    private readonly Thread _thread;

    private SteadyStateMonitor(IReadOnlyList<JobRunner> runners, Func<int, CancellationToken> jobToken)
    {
        _stopJob = new CancellationTokenSource?[runners.Count];
        var units = new List<Unit>();
        for (int i = 0; i < runners.Count; i++)
        {
            JobPlan plan = runners[i].Plan;
            if (plan.Get(Opt.SteadyStateDuration) == 0)
            {
                continue;
            }
            _stopJob[i] = CancellationTokenSource.CreateLinkedTokenSource(jobToken(i));
            Unit? unit = plan.Get(Opt.GroupReporting) ? units.Find(u => u.GroupId == plan.GroupId) : null;
            if (unit is null)
            {
                unit = new Unit(plan);
                units.Add(unit);
            }
            unit.Members.Add(i);
            unit.Progress.Add(runners[i].Progress);
        }
        _units = [.. units];
        _intervalUs = runners.Select(r => r.Plan).First(p => p.Get(Opt.SteadyStateDuration) > 0).Get(Opt.SteadyStateCheckInterval);
        _thread = new Thread(Watch) { Name = "pinio steadystate", IsBackground = true };
        _thread.Start();
    }

    /// <summary>A monitor when some job of the segment sets steadystate_duration; else null.</summary>
    public static SteadyStateMonitor? Start(IReadOnlyList<JobRunner> runners, Func<int, CancellationToken> jobToken) =>
        runners.Any(r => r.Plan.Get(Opt.SteadyStateDuration) > 0) ? new SteadyStateMonitor(runners, jobToken) : null;

    /// <summary>The token job <paramref name="index"/> runs with: stopped when its window attains steady state.</summary>
    public CancellationToken TokenFor(int index, CancellationToken jobToken) => _stopJob[index]?.Token ?? jobToken;

    /// <summary>The steady-state result of job <paramref name="index"/> (its group's under group_reporting), null without steadystate.</summary>
    public SteadyStateResult? ResultOf(int index) => Array.Find(_units, u => u.Members.Contains(index))?.Window.Result();

    public void Dispose()
    {
        _done.Set();
        _thread.Join();
        _done.Dispose();
        foreach (CancellationTokenSource? stop in _stopJob)
        {
            stop?.Dispose();
        }
    }

    private void Watch()
    {
        long intervalMs = Math.Max(1, _intervalUs / 1000);
        while (!_done.Wait(TimeSpan.FromMilliseconds(intervalMs)))
        {
            long now = Stopwatch.GetTimestamp();
            foreach (Unit unit in _units)
            {
                if (unit.Sample(now))
                {
                    foreach (int member in unit.Members)
                    {
                        _stopJob[member]!.Cancel();
                    }
                }
            }
        }
    }

    /// <summary>One window: a job, or a group's jobs summed.</summary>
    private sealed class Unit
    {
        private readonly long _rampTicks;
        private long _lastBytes;
        private long _lastIos;
        private long _lastAt;

        public Unit(JobPlan plan)
        {
            GroupId = plan.GroupId;
            long duration = plan.Get(Opt.SteadyStateDuration);
            long interval = plan.Get(Opt.SteadyStateCheckInterval);
            Window = new SteadyStateWindow(plan.Get(Opt.SteadyState), (int)(duration / interval), (int)(duration / 1_000_000));
            _rampTicks = IoClock.UsToTicks(plan.Get(Opt.SteadyStateRampTime) + interval);
        }

        public int GroupId { get; }

        public List<int> Members { get; } = [];

        public List<JobProgress> Progress { get; } = [];

        public SteadyStateWindow Window { get; }

        /// <summary>Takes a sample once the ramp is over; returns whether it attained steady state (just now).</summary>
        public bool Sample(long now)
        {
            long bytes = 0;
            long ios = 0;
            long started = long.MaxValue;
            foreach (JobProgress progress in Progress)
            {
                JobProgressSnapshot s = progress.Snapshot();
                bytes += s.Bytes;
                ios += s.ReadIos + s.WriteIos + s.TrimIos;
                if (s.StartedAt != 0)
                {
                    started = Math.Min(started, s.StartedAt);
                }
            }
            bool counting = _lastAt != 0;
            long elapsed = now - _lastAt;
            (long lastBytes, long lastIos) = (_lastBytes, _lastIos);
            (_lastBytes, _lastIos, _lastAt) = (bytes, ios, now);
            if (Window.Attained || started == long.MaxValue || now - started < _rampTicks || !counting || elapsed <= 0)
            {
                return false;
            }
            double seconds = (double)elapsed / Stopwatch.Frequency;
            return Window.Add((long)((bytes - lastBytes) / seconds), (long)((ios - lastIos) / seconds));
        }
    }
}
