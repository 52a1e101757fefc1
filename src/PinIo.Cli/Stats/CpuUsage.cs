using PinIo.Linux;

namespace PinIo.Cli.Stats;

/// <summary>
/// CPU and scheduling counters at one moment, the getrusage(2) fields fio reports: user and
/// system time, context switches, minor and major faults. <see cref="ForThread"/> reads the
/// calling thread alone (fio's per-job figures: a job that drives its own I/O — a polled ring,
/// a synchronous syscall, an inline RAM disk — does all its work on its thread, the kernel's
/// share of io_uring included). <see cref="ForProcess"/> reads the whole process, for jobs whose
/// completions run on other threads (a device thread, .NET's thread pool): each such job's
/// figures are then the whole process's over that job's run. Either is one getrusage call,
/// whatever the number of threads: a thousand jobs reading them cost a thousand calls, not a
/// thousand reads of every thread's /proc files each.
/// </summary>
internal readonly record struct CpuUsage(TimeSpan User, TimeSpan System, long ContextSwitches, long MinorFaults, long MajorFaults, bool PerThread)
{
    /// <summary>The counters of the calling thread (RUSAGE_THREAD).</summary>
    public static CpuUsage ForThread() => From(ResourceUsage.ForThread(), perThread: true);

    /// <summary>The counters of the whole process (RUSAGE_SELF), exited threads included.</summary>
    public static CpuUsage ForProcess() => From(ResourceUsage.ForProcess(), perThread: false);

    public static CpuUsage operator -(CpuUsage end, CpuUsage start) => new(
        end.User - start.User,
        end.System - start.System,
        Math.Max(0, end.ContextSwitches - start.ContextSwitches),
        end.MinorFaults - start.MinorFaults,
        end.MajorFaults - start.MajorFaults,
        end.PerThread && start.PerThread);

    private static CpuUsage From(ResourceUsage usage, bool perThread) =>
        new(usage.User, usage.System, usage.ContextSwitches, usage.MinorFaults, usage.MajorFaults, perThread);
}
