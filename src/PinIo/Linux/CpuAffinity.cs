// Follows sched_setaffinity(2): the affinity of one thread, as fio's cpus_allowed sets it.
namespace PinIo.Linux;

/// <summary>
/// The CPUs the calling thread may run on. Internal to PinIo and its CLI (which binds job
/// threads for fio's <c>cpus_allowed</c>): PinIo itself never moves a caller's thread.
/// </summary>
internal static class CpuAffinity
{
    /// <summary>CPUs a mask can name: glibc's CPU_SETSIZE, 1024.</summary>
    public const int MaxCpus = 1024;

    private const int MaskWords = MaxCpus / 64;

    /// <summary>CPUs the system is configured with (sysconf _SC_NPROCESSORS_CONF), online or not: fio's cpus_configured().</summary>
    public static int ConfiguredCpus
    {
        get
        {
            long count = Interop.Sysconf(Interop._SC_NPROCESSORS_CONF);
            return count > 0 ? (int)Math.Min(count, MaxCpus) : Environment.ProcessorCount;
        }
    }

    /// <summary>
    /// Binds the calling thread to <paramref name="cpus"/> (each below <see cref="MaxCpus"/>).
    /// Throws <see cref="DirectIoException"/> with EINVAL when none of them is online and allowed
    /// to this process (its cgroup cpuset); the binding lasts until the thread sets another.
    /// </summary>
    public static void SetForCurrentThread(IReadOnlyList<int> cpus)
    {
        Span<ulong> mask = stackalloc ulong[MaskWords];
        mask.Clear();
        foreach (int cpu in cpus)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(cpu);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cpu, MaxCpus);
            mask[cpu / 64] |= 1UL << (cpu % 64);
        }
        Errors.Check(Interop.SchedSetaffinity(0, mask), "sched_setaffinity");
    }

    /// <summary>The CPUs the calling thread may run on, ascending.</summary>
    public static int[] GetForCurrentThread()
    {
        Span<ulong> mask = stackalloc ulong[MaskWords];
        mask.Clear();
        Errors.Check(Interop.SchedGetaffinity(0, mask), "sched_getaffinity");
        var cpus = new List<int>();
        for (int cpu = 0; cpu < MaxCpus; cpu++)
        {
            if ((mask[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                cpus.Add(cpu);
            }
        }
        return [.. cpus];
    }
}
