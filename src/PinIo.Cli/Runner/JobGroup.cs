using System.Runtime.ExceptionServices;
using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Logs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner.Engines;
using PinIo.Cli.Stats;
using PinIo.Linux;

namespace PinIo.Cli.Runner;

/// <summary>
/// Runs jobs one thread each (fio runs a process or thread per job), in stonewall segments:
/// the jobs of a segment (<see cref="JobPlan.RunOrder"/>) lay out their regions, then start
/// their measured phases together (each after its own startdelay); the next segment starts
/// when every job of this one has ended, as fio's stonewall waits for the jobs before it.
/// A segment's devices and runners open when it starts (a file an earlier segment created is
/// there then, as fio sets up a job's files when the job starts), and a device stays open for
/// the rest of the run, so a later segment sees what an earlier one wrote. Jobs that name the same target share one device, as fio's jobs share a file, unless
/// their engines complete differently (a synchronous and an asynchronous engine): a RAM disk
/// completes one way, so those get a disk each. Log files are opened for the whole run too,
/// before any device, so that a log that cannot be written stops the run before any I/O.
/// </summary>
internal static class JobGroup
{
    public static IReadOnlyList<JobResult> Run(IReadOnlyList<JobPlan> plans, CancellationToken ct) => Run(plans, null, static thread => thread.Start(), ct);

    /// <summary>As <see cref="Run(IReadOnlyList{JobPlan}, CancellationToken)"/>, each job's live counters in <paramref name="progress"/> (one per plan: the progress line reads them).</summary>
    public static IReadOnlyList<JobResult> Run(IReadOnlyList<JobPlan> plans, IReadOnlyList<JobProgress> progress, CancellationToken ct) => Run(plans, progress, static thread => thread.Start(), ct);

    /// <summary>As <see cref="Run(IReadOnlyList{JobPlan}, CancellationToken)"/>; <paramref name="startThread"/> starts each job's thread (a test makes it fail).</summary>
    internal static IReadOnlyList<JobResult> Run(IReadOnlyList<JobPlan> plans, Action<Thread> startThread, CancellationToken ct) => Run(plans, null, startThread, ct);

    private static JobResult[] Run(IReadOnlyList<JobPlan> plans, IReadOnlyList<JobProgress>? progress, Action<Thread> startThread, CancellationToken ct)
    {
        using LogFiles logFiles = LogFiles.Open(plans.Select(p => p.Logs));
        var opened = new OpenedTargets();
        JobPlan[] current = [.. plans];
        var runners = new List<JobRunner>();
        try
        {
            FlowCounter?[] flows = FlowCounter.ForJobs(plans);
            var results = new JobResult[plans.Count];
            using var stopRun = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var ends = new JobEnds(plans);
            foreach (IGrouping<int, int> segment in Enumerable.Range(0, plans.Count).GroupBy(i => plans[i].RunOrder).OrderBy(g => g.Key))
            {
                // A segment's targets and runners open when it starts: a file an earlier
                // segment created is there now, and its plan is resolved against it.
                int[] members = [.. segment];
                runners.Clear();
                foreach (int i in members)
                {
                    current[i] = JobPlan.ResolveAtSegmentStart(plans[i]);
                    runners.Add(Runner(current, i, opened, logFiles, progress?[i] ?? new JobProgress(), flows[i]));
                }
                JobResult[] done = RunThreads(runners, stopRun, ends, startThread);
                for (int i = 0; i < members.Length; i++)
                {
                    results[members[i]] = done[i];
                }
                DisposeAll(runners);
            }
            return results;
        }
        finally
        {
            DisposeAll(runners);
            opened.Dispose();
            UnlinkFiles(current);
        }
    }

    /// <summary>Job <paramref name="index"/>'s runner on its device, opened by the first job that names it (jobs of later segments find it open, with what earlier ones wrote).</summary>
    private static JobRunner Runner(JobPlan[] plans, int index, OpenedTargets opened, LogFiles logFiles, JobProgress counters, FlowCounter? flow)
    {
        JobPlan plan = plans[index];
        string key = plan.Target.DeviceKey;
        if (!opened.Devices.TryGetValue(key, out IDisposable? device))
        {
            device = Open(plan, FixedBufferBytes(plans, key));
            opened.Devices.Add(key, device);
        }
        if (!opened.Layouts.TryGetValue(plan.Target.LayoutKey, out SharedLayout? layout))
        {
            layout = new SharedLayout();
            opened.Layouts.Add(plan.Target.LayoutKey, layout);
        }
        ZonedDevice? zones = SharedZones(plan, opened.ZonedDevices);
        return device switch
        {
            DotnetFile dotnet => new JobRunner(plan, dotnet, logFiles, counters) { Flow = flow },
            FileSet files => new JobRunner(plan, files, logFiles, counters) { Flow = flow },
            MountedVolume volume => new JobRunner(plan, OpenFile(plan, volume), volume.Device, logFiles, counters) { SharedLayout = layout, SharedZones = zones, Flow = flow },
            _ => new JobRunner(plan, (IBlockDevice)device, logFiles, counters) { SharedLayout = layout, SharedZones = zones, Flow = flow },
        };
    }

    /// <summary>Disposes <paramref name="runners"/> and empties the list, so that no path disposes one twice.</summary>
    private static void DisposeAll(List<JobRunner> runners)
    {
        foreach (JobRunner runner in runners)
        {
            runner.Dispose();
        }
        runners.Clear();
    }

    /// <summary>The devices, shared layouts and zones opened so far, kept for the whole run so that a later segment sees what an earlier one wrote.</summary>
    private sealed class OpenedTargets : IDisposable
    {
        public Dictionary<string, IDisposable> Devices { get; } = [];

        public Dictionary<string, SharedLayout> Layouts { get; } = [];

        public Dictionary<string, ZonedDevice> ZonedDevices { get; } = [];

        public void Dispose()
        {
            foreach (IDisposable device in Devices.Values)
            {
                device.Dispose();
            }
        }
    }

    /// <summary>zonemode=zbd: the zones of the job's target, made by its first zbd job and shared by the others for the whole run.</summary>
    private static ZonedDevice? SharedZones(JobPlan plan, Dictionary<string, ZonedDevice> zonedDevices)
    {
        if (plan.Zones is not { IsZbd: true } zones)
        {
            return null;
        }
        if (!zonedDevices.TryGetValue(plan.Target.LayoutKey, out ZonedDevice? device))
        {
            device = new ZonedDevice(zones, plan.Target.Capacity);
            zonedDevices.Add(plan.Target.LayoutKey, device);
        }
        device.Check(plan);
        return device;
    }

    /// <summary>unlink=1: fio deletes a job's files when it is done; a device is never deleted.</summary>
    private static void UnlinkFiles(IReadOnlyList<JobPlan> plans)
    {
        foreach (JobPlan plan in plans)
        {
            if (plan.Get(Opt.Unlink) && plan.Target is FileTarget { IsBlockDevice: false, IsCharDevice: false } file)
            {
                File.Delete(file.Filename);
            }
            if (plan.Get(Opt.Unlink) && plan.Target is FileSetTarget set)
            {
                FileSet.Unlink(set);
            }
        }
    }

    /// <summary>
    /// Opens a job's target. A device that cannot be opened as asked (a kernel that refuses
    /// sqthread_poll's submission thread, say) ends the run with the reason, as a bad option does.
    /// </summary>
    private static IDisposable Open(JobPlan plan, long fixedBufferBytes)
    {
        try
        {
            IDisposable opened = plan.Target switch
            {
                FileTarget { Dotnet: true } file => DotnetFile.Open(file),
                FileSetTarget files => FileSet.Open(files),
                VolumeTarget volume => MountedVolume.Mount(volume, fixedBufferBytes),
                Target target => target.Open(fixedBufferBytes),
            };
            RefuseTrimsWithoutDiscard(plan, opened);
            return opened;
        }
        catch (DirectIoException e)
        {
            throw new OptionException($"pinio: job '{plan.Name}': filename={plan.Target.Filename}: {e.Message}", e);
        }
    }

    /// <summary>A trim job's device must discard (a Volume file's trims punch holes in the file system instead).</summary>
    private static void RefuseTrimsWithoutDiscard(JobPlan plan, IDisposable opened)
    {
        if (plan.Rw.HasTrims() && opened is IBlockDevice { Limits.SupportsDiscard: false } device)
        {
            opened.Dispose();
            throw new OptionException($"pinio: job '{plan.Name}': rw={plan.Rw.FioName()}: filename={plan.Target.Filename} ({device}) cannot discard (its discard_max_bytes is 0): trim a device or file that supports discard, or use rw=write");
        }
    }

    /// <summary>A job's file inside a mounted Volume; a file that cannot be created or extended ends the run as a bad target does.</summary>
    private static IJobIo OpenFile(JobPlan plan, MountedVolume volume)
    {
        try
        {
            return volume.OpenFile((VolumeTarget)plan.Target);
        }
        catch (DirectIoException e)
        {
            throw new OptionException($"pinio: job '{plan.Name}': filename={plan.Target.Filename}: {e.Message}", e);
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
                bytes += stride * plan.Get(Opt.IoDepth);
            }
        }
        return bytes;
    }

    /// <summary>
    /// Runs one stonewall segment, a thread per job. A job's thread first binds itself to the
    /// job's CPUs (cpus_allowed), so that its layout and every I/O it issues run there; I/O
    /// that completes on another thread (a RAM disk's asynchronous completions) is not bound.
    /// A job that ends with exitall stops the rest of its group; one that ends in error with
    /// exitall_on_error stops <paramref name="stopRun"/>, the whole run. Stopped jobs end as
    /// a canceled run does: they drain what is in flight and report what they did.
    /// </summary>
    private static JobResult[] RunThreads(List<JobRunner> runners, CancellationTokenSource stopRun, JobEnds ends, Action<Thread> startThread)
    {
        var results = new JobResult[runners.Count];
        var failures = new ExceptionDispatchInfo?[runners.Count];
        var stopGroup = new Dictionary<int, CancellationTokenSource>();
        using var stopSegment = CancellationTokenSource.CreateLinkedTokenSource(stopRun.Token);
        foreach (JobRunner runner in runners)
        {
            if (!stopGroup.ContainsKey(runner.Plan.GroupId))
            {
                stopGroup.Add(runner.Plan.GroupId, CancellationTokenSource.CreateLinkedTokenSource(stopSegment.Token));
            }
        }
        // The kernel's pin counters are machine-wide: read once for the segment's run, not per
        // job (a thousand jobs opening /proc/vmstat together stalled the run for seconds).
        KernelPins kernelStart = default;
        using var laidOut = new StartGate(runners.Count, () => kernelStart = PinCounts.ReadKernel());
        var threads = new Thread[runners.Count];
        SteadyStateMonitor? steady = null;
        try
        {
            steady = SteadyStateMonitor.Start(runners, i => stopGroup[runners[i].Plan.GroupId].Token);
            for (int i = 0; i < runners.Count; i++)
            {
                int index = i;
                threads[i] = new Thread(() =>
                {
                    JobRunner runner = runners[index];
                    CancellationTokenSource group = stopGroup[runner.Plan.GroupId];
                    try
                    {
                        results[index] = RunOne(runner, index, laidOut, ends, steady?.TokenFor(index, group.Token) ?? group.Token);
                    }
                    catch (Exception e)
                    {
                        failures[index] = ExceptionDispatchInfo.Capture(e);
                    }
                    finally
                    {
                        ends.Ended(runner.Plan);
                    }
                    if (runner.Plan.Get(Opt.ExitAll))
                    {
                        // exit_what: the job's group, every job running now (the segment), or every job of the run.
                        (runner.Plan.Get(Opt.ExitWhat) switch
                        {
                            ExitWhat.Stonewall => stopSegment,
                            ExitWhat.All => stopRun,
                            _ => group,
                        }).Cancel();
                    }
                    if (runner.Plan.Get(Opt.ExitAllOnError) && (failures[index] is not null || results[index].Error != 0))
                    {
                        stopRun.Cancel();
                    }
                })
                {
                    Name = $"pinio job {runners[i].Plan.Name}",
                    IsBackground = true,
                };
                if (!JobThreads.TryStart(threads[i], startThread, out Exception? failure))
                {
                    JobThreads.Unwind(threads, i, stopRun);
                    throw JobThreads.StartFailed(runners[i].Plan, i, runners.Count, failure);
                }
            }
            foreach (Thread thread in threads)
            {
                thread.Join();
            }
        }
        finally
        {
            steady?.Dispose();
            foreach (CancellationTokenSource source in stopGroup.Values)
            {
                source.Dispose();
            }
        }
        foreach (ExceptionDispatchInfo? failure in failures)
        {
            failure?.Throw();
        }
        KernelPins kernel = PinCounts.ReadKernel() - kernelStart;
        long segmentIos = results.Sum(r => r.Stats.TotalIos);
        for (int i = 0; i < results.Length; i++)
        {
            results[i] = results[i] with { Pins = results[i].Pins.WithKernel(kernel, segmentIos), SteadyState = steady?.ResultOf(i) };
        }
        return results;
    }

    /// <summary>Job <paramref name="index"/>'s thread: bind to its CPUs, lay out, wait for the segment and for wait_for's jobs, run; the result records the CPUs it ran on.</summary>
    private static JobResult RunOne(JobRunner runner, int index, StartGate laidOut, JobEnds ends, CancellationToken ct)
    {
        JobPlan plan = runner.Plan;
        int? startCpu = null;
        try
        {
            try
            {
                if (plan.Cpus is { } cpus)
                {
                    BindToCpus(plan, cpus);
                }
                else if (plan.StaysOnStartCpu)
                {
                    startCpu = StartCpu.Bind();
                }
                runner.Prepare(ct);
            }
            finally
            {
                // Every job signals, failed or stopped, or the others would wait for it forever.
                laidOut.ArriveAndWait(index, ct);
            }
            ends.WaitBeforeStart(plan, ct);
            JobThreads.Delay(plan.Get(Opt.StartDelay), ct);
            // exit_on_io_done (cpuio): the job ends, as a stopped one does, once the I/O jobs have.
            using CancellationTokenSource? ioDone = plan.Get(Opt.ExitOnIoDone) && plan.Get(Opt.IoEngine) == IoEngineKind.Cpuio
                ? CancellationTokenSource.CreateLinkedTokenSource(ct, ends.IoJobsEnded)
                : null;
            JobResult result = runner.Run(ioDone?.Token ?? ct);
            return result with { Cpus = CpuAffinity.GetForCurrentThread() };
        }
        finally
        {
            if (startCpu is int cpu)
            {
                StartCpu.Release(cpu);
            }
        }
    }

    /// <summary>cpus_allowed/cpumask: sched_setaffinity on the job's own thread; CPUs that are offline or outside the process's cpuset fail the run with the option's name.</summary>
    private static void BindToCpus(JobPlan plan, IReadOnlyList<int> cpus)
    {
        try
        {
            CpuAffinity.SetForCurrentThread(cpus);
        }
        catch (DirectIoException e)
        {
            string option = (plan.Options.IsSet(Opt.CpusAllowed) ? Opt.CpusAllowed : Opt.CpuMask).Name;
            throw new OptionException($"pinio: job '{plan.Name}': {option}: cannot run on CPU {string.Join(',', cpus)}: {e.Message}", e);
        }
    }
}
