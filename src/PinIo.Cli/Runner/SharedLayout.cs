// Follows fio's filesetup.c (a file is laid out once; a job that finds it laid out goes on) in meaning, not in code.
namespace PinIo.Cli.Runner;

/// <summary>
/// The regions of one target that have been laid out, shared by every job on that target, so
/// that a region is written once however many jobs read it: <c>numjobs=1000</c> on one 64 MiB
/// RAM disk lays out 64 MiB, not 64 GB. A job whose region another job is laying out waits
/// for it (checking its stop token, so a stopped run never waits on a layout); one whose
/// layout failed or was stopped leaves the region to the next job that needs it.
/// </summary>
internal sealed class SharedLayout
{
    // How often a job waiting for another's layout looks at its stop token.
    private const int StopCheckMs = 50;

    // A monitor, not a Lock: waiting for another job's layout needs Monitor.Wait.
    private readonly object _lock = new();
    private readonly List<Region> _regions = [];

    /// <summary>
    /// Lays out [<paramref name="start"/>, <paramref name="end"/>) with <paramref name="layOut"/>
    /// (which returns whether the whole region was written), unless a region containing it is
    /// laid out already or is being laid out by another job, which is then waited for.
    /// </summary>
    public void LayOut(long start, long end, Func<bool> layOut, CancellationToken ct)
    {
        Region mine;
        lock (_lock)
        {
            while (true)
            {
                Region? covering = _regions.Find(r => r.Start <= start && end <= r.End);
                if (covering is { Done: true } || ct.IsCancellationRequested)
                {
                    return;
                }
                if (covering is null)
                {
                    break;
                }
                Monitor.Wait(_lock, StopCheckMs);
            }
            mine = new Region(start, end);
            _regions.Add(mine);
        }
        bool done = false;
        try
        {
            done = layOut();
        }
        finally
        {
            lock (_lock)
            {
                if (done)
                {
                    mine.Done = true;
                }
                else
                {
                    _regions.Remove(mine);
                }
                Monitor.PulseAll(_lock);
            }
        }
    }

    private sealed class Region(long start, long end)
    {
        public long Start { get; } = start;

        public long End { get; } = end;

        public bool Done { get; set; }
    }
}
