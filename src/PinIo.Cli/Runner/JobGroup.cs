using System.Runtime.ExceptionServices;
using PinIo.Cli.Jobs;
using PinIo.Block;

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
        var devices = new Dictionary<string, IBlockDevice>();
        var runners = new List<JobRunner>();
        try
        {
            foreach (JobPlan plan in plans)
            {
                string key = plan.Target.DeviceKey;
                if (!devices.TryGetValue(key, out IBlockDevice? device))
                {
                    device = plan.Target.Open(FixedBufferBytes(plans, key));
                    devices.Add(key, device);
                }
                runners.Add(new JobRunner(plan, device));
            }
            return RunThreads(runners, ct);
        }
        finally
        {
            foreach (JobRunner runner in runners)
            {
                runner.Dispose();
            }
            foreach (IBlockDevice device in devices.Values)
            {
                device.Dispose();
            }
        }
    }

    /// <summary>The registered pool a device needs: every fixedbufs job on it holds iodepth page-rounded blocks.</summary>
    private static long FixedBufferBytes(IReadOnlyList<JobPlan> plans, string key)
    {
        long bytes = 0;
        foreach (JobPlan plan in plans)
        {
            if (plan.FixedBufs && plan.Target.DeviceKey == key)
            {
                long stride = (plan.BlockSize + Mm.PageSize.Bytes - 1) / Mm.PageSize.Bytes * Mm.PageSize.Bytes;
                bytes += stride * plan.IoDepth;
            }
        }
        return bytes;
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
