using PinIo.Cli.Jobs;
using PinIo.Linux;

namespace PinIo.Cli.Runner;

/// <summary>
/// colocate_depth1 (<see cref="JobPlan.StaysOnStartCpu"/>): the job's thread binds itself to
/// one CPU before it opens its ring, so the io-wq worker the kernel creates for it inherits that
/// CPU. The CPU it starts on, unless another colocated job of this process holds it and an
/// allowed CPU is free: two depth-1 jobs on one CPU would take turns with each other's workers.
/// </summary>
internal static class StartCpu
{
    private static readonly Lock s_lock = new();
    private static readonly Dictionary<int, int> s_holders = [];

    /// <summary>Binds the calling thread; returns the CPU, to give back with <see cref="Release"/>.</summary>
    public static int Bind()
    {
        int[] allowed = CpuAffinity.GetForCurrentThread();
        int cpu;
        lock (s_lock)
        {
            cpu = Choose(Thread.GetCurrentProcessorId(), allowed, s_holders);
            s_holders[cpu] = s_holders.GetValueOrDefault(cpu) + 1;
        }
        try
        {
            CpuAffinity.SetForCurrentThread([cpu]);
        }
        catch
        {
            Release(cpu);
            throw;
        }
        return cpu;
    }

    public static void Release(int cpu)
    {
        lock (s_lock)
        {
            if (--s_holders[cpu] == 0)
            {
                s_holders.Remove(cpu);
            }
        }
    }

    /// <summary>The current CPU when it is allowed and held by fewer jobs than any other allowed CPU, else the allowed CPU held by fewest (lowest first).</summary>
    internal static int Choose(int current, IReadOnlyList<int> allowed, IReadOnlyDictionary<int, int> holders)
    {
        int best = allowed.Contains(current) ? current : allowed[0];
        foreach (int cpu in allowed)
        {
            if (holders.GetValueOrDefault(cpu) < holders.GetValueOrDefault(best))
            {
                best = cpu;
            }
        }
        return best;
    }
}
