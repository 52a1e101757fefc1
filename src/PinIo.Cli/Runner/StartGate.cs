// Follows fio's backend.c (run_threads: every job of a segment set up, then all set running) in meaning, not in code.
namespace PinIo.Cli.Runner;

/// <summary>
/// Where the jobs of one stonewall segment wait for each other to be laid out before they
/// start together. Each job waits on an event of its own, and the gate opens as a tree: the
/// last job to arrive wakes job 0, and every woken job wakes two more (2i+1, 2i+2). A shared
/// barrier would wake all of them through one monitor, which each must take again in turn:
/// with a thousand jobs on two CPUs busy with the first ones' I/O, that line took seconds.
/// </summary>
internal sealed class StartGate : IDisposable
{
    private readonly ManualResetEventSlim[] _go;
    private readonly Action? _opening;
    private int _absent;

    /// <summary>A gate for <paramref name="jobs"/> jobs; <paramref name="opening"/> runs once, on the last job to arrive, before any job goes.</summary>
    public StartGate(int jobs, Action? opening = null)
    {
        _opening = opening;
        _go = new ManualResetEventSlim[jobs];
        for (int i = 0; i < jobs; i++)
        {
            // No spinning: a thousand jobs waiting here would spin on two CPUs.
            _go[i] = new ManualResetEventSlim(false, spinCount: 0);
        }
        _absent = jobs;
    }

    /// <summary>
    /// Job <paramref name="job"/> has arrived (laid out, failed or stopped: every job must
    /// arrive, or the others wait for it); returns once every job has, or once
    /// <paramref name="stop"/> is canceled (a stopped run does not wait for a job that never comes).
    /// </summary>
    public void ArriveAndWait(int job, CancellationToken stop)
    {
        if (Interlocked.Decrement(ref _absent) == 0)
        {
            _opening?.Invoke();
            _go[0].Set();
        }
        try
        {
            _go[job].Wait(stop);
        }
        catch (OperationCanceledException)
        {
            // Stopped: go on to wake the jobs below, which are stopped too.
        }
        for (int child = (2 * job) + 1; child <= (2 * job) + 2 && child < _go.Length; child++)
        {
            _go[child].Set();
        }
    }

    public void Dispose()
    {
        foreach (ManualResetEventSlim go in _go)
        {
            go.Dispose();
        }
    }
}
