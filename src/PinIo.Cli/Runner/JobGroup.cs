using System.Runtime.ExceptionServices;
using PinIo.Cli.Jobs;
using PinIo.Devices;

namespace PinIo.Cli.Runner;

/// <summary>
/// Runs jobs together, one thread each (fio runs a process or thread per job): every job lays
/// out its region first, then all start their measured phases at once. Jobs that name the same
/// target share one device, as fio's jobs share a file, unless their engines complete
/// differently (a synchronous and an asynchronous engine): a RAM disk completes one way, so
/// those get a disk each.
/// </summary>
internal static class JobGroup
{
    public static IReadOnlyList<JobResult> Run(IReadOnlyList<JobPlan> plans, CancellationToken ct)
    {
        var devices = new Dictionary<(string, RamDiskCompletion), RamDisk>();
        var runners = new List<JobRunner>();
        try
        {
            foreach (JobPlan plan in plans)
            {
                var key = (plan.Target.Filename.ToLowerInvariant(), plan.Target.Completion);
                if (!devices.TryGetValue(key, out RamDisk? disk))
                {
                    disk = plan.Target.Open();
                    devices.Add(key, disk);
                }
                runners.Add(new JobRunner(plan, disk));
            }
            return RunThreads(runners, ct);
        }
        finally
        {
            foreach (JobRunner runner in runners)
            {
                runner.Dispose();
            }
            foreach (RamDisk disk in devices.Values)
            {
                disk.Dispose();
            }
        }
    }

    private static JobResult[] RunThreads(List<JobRunner> runners, CancellationToken ct)
    {
        var results = new JobResult[runners.Count];
        var failures = new ExceptionDispatchInfo?[runners.Count];
        using var laidOut = new Barrier(runners.Count);
        var threads = new Thread[runners.Count];
        for (int i = 0; i < runners.Count; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    try
                    {
                        runners[index].Prepare(ct);
                    }
                    finally
                    {
                        laidOut.SignalAndWait();
                    }
                    results[index] = runners[index].Run(ct);
                }
                catch (Exception e)
                {
                    failures[index] = ExceptionDispatchInfo.Capture(e);
                }
            })
            {
                Name = $"pinio job {runners[i].Plan.Name}",
                IsBackground = true,
            };
            threads[i].Start();
        }
        foreach (Thread thread in threads)
        {
            thread.Join();
        }
        foreach (ExceptionDispatchInfo? failure in failures)
        {
            failure?.Throw();
        }
        return results;
    }
}
