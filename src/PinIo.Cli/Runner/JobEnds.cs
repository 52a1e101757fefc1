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
/// </summary>
internal sealed class JobEnds : IDisposable
{
    private readonly Dictionary<string, CountdownEvent> _byName = new(StringComparer.Ordinal);

    public JobEnds(IReadOnlyList<JobPlan> plans)
    {
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
        if (_byName.TryGetValue(plan.Name, out CountdownEvent? ends))
        {
            ends.Signal();
        }
    }

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
        foreach (CountdownEvent ends in _byName.Values)
        {
            ends.Dispose();
        }
    }
}
