// Follows getrusage(2) (RUSAGE_SELF, RUSAGE_THREAD), as fio's per-job CPU figures read it.
namespace PinIo.Linux;

/// <summary>
/// CPU time, context switches and page faults of the calling thread or of the whole process,
/// as getrusage(2) gives them: one system call whatever the number of threads (the process's
/// figures include threads that have exited). Internal to PinIo and its CLI, whose job
/// reports print them as fio's do.
/// </summary>
internal readonly record struct ResourceUsage(TimeSpan User, TimeSpan System, long ContextSwitches, long MinorFaults, long MajorFaults)
{
    /// <summary>The calling thread's figures (RUSAGE_THREAD).</summary>
    public static ResourceUsage ForThread() => Read(Interop.RUSAGE_THREAD);

    /// <summary>The process's figures, every thread it has run included (RUSAGE_SELF).</summary>
    public static ResourceUsage ForProcess() => Read(Interop.RUSAGE_SELF);

    private static ResourceUsage Read(int who)
    {
        Errors.Check(Interop.Getrusage(who, out Interop.RUsage usage), "getrusage");
        return new ResourceUsage(
            Time(usage.UserSeconds, usage.UserMicroseconds),
            Time(usage.SystemSeconds, usage.SystemMicroseconds),
            usage.VoluntarySwitches + usage.InvoluntarySwitches,
            usage.MinorFaults,
            usage.MajorFaults);
    }

    private static TimeSpan Time(long seconds, long microseconds) => TimeSpan.FromSeconds(seconds) + TimeSpan.FromMicroseconds(microseconds);
}
