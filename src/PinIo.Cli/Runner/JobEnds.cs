// Follows fio's backend.c (run_threads: waitee_running) in meaning, not in code.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// wait_for=NAME: a job starts its measured run when every job of that name (each of its
/// numjobs clones) has ended, as fio's run_threads holds a job back while a waitee runs. One
/// countdown per name that some job waits for, counted down as each job of that name ends,
/// whichever way it ends; the waitee is defined before its waiter (checked when the jobs are
/// resolved), so it runs in the same stonewall segment or an earlier one and the wait ends.
/// Also exit_on_io_done's "every job that does I/O has ended" (fio's
/// fio_running_or_pending_io_threads): a token canceled when the last such job ends, never
/// when the run has none (fio: "we only had cpuio threads to begin with").
/// </summary>
internal sealed class JobEnds : IDisposable
{
    private readonly Dictionary<string, CountdownEvent> _byName = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _ioJobsEnded = new();
    private int _ioJobsLeft;

    public JobEnds(IReadOnlyList<JobPlan> plans)
    {
        _ioJobsLeft = plans.Count(DoesIo);
        foreach (JobPlan plan in plans)
        {
            if (plan.Get(Opt.WaitFor) is { } name && !_byName.ContainsKey(name))
            {
                _byName.Add(name, new CountdownEvent(plans.Count(p => p.Name == name)));
            }
        }
    }

    /// <summary>Records that <paramref name="plan"/>'s job has ended. Call once per job.</summary>
    public void Ended(JobPlan plan)
    {
        if (DoesIo(plan) && Interlocked.Decrement(ref _ioJobsLeft) == 0)
        {
            _ioJobsEnded.Cancel();
        }
        if (_byName.TryGetValue(plan.Name, out CountdownEvent? ends))
        {
            ends.Signal();
        }
    }

    /// <summary>Canceled when every job of the run that does I/O has ended (those of later segments too: they are pending).</summary>
    public CancellationToken IoJobsEnded => _ioJobsEnded.Token;

    /// <summary>A job that does I/O: any but cpuio and exec (fio's FIO_NOIO engines).</summary>
    private static bool DoesIo(JobPlan plan) => plan.Get(Opt.IoEngine) is not (IoEngineKind.Cpuio or IoEngineKind.Exec);

    /// <summary>Blocks until every job <paramref name="plan"/> waits for has ended, or the run is stopped.</summary>
    public void WaitBeforeStart(JobPlan plan, CancellationToken ct)
    {
        if (plan.Get(Opt.WaitFor) is not { } name || !_byName.TryGetValue(name, out CountdownEvent? ends))
        {
            return;
        }
        try
        {
            ends.Wait(ct);
        }
        catch (OperationCanceledException)
        {
            // A stopped run: the job starts and ends at once, reporting nothing done, as the others stop.
        }
    }

    public void Dispose()
    {
        _ioJobsEnded.Dispose();
        foreach (CountdownEvent ends in _byName.Values)
        {
            ends.Dispose();
        }
    }
}
