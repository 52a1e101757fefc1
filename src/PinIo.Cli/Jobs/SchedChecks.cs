// Follows fio's init.c (wait_for_ok, fixup_options) and steadystate.c (td_steadystate_init) in meaning, not in code.
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// The checks and notes of the options that decide when a job starts and ends and how it
/// picks offsets and priorities (wait_for, steadystate, latency_target, random_generator,
/// prio and cmdprio, threads).
/// </summary>
internal static class SchedChecks
{
    public static void Check(string name, JobOptions o, Target target, List<string> notes)
    {
        if (o.IsSet(Opt.Threads))
        {
            // fio registers tiobench's "threads" in its global option table when the profile
            // loads, so every job file may set it; only profile=tiobench reads it.
            notes.Add("threads: fio's tiobench profile option (its thread count); outside profile=tiobench, which pinio has not, it changes nothing in fio either: ignored");
        }
        if (o.Get(Opt.RandomGenerator) == RandomGenerator.Tausworthe64)
        {
            notes.Add("random_generator=tausworthe64: pinio's tausworthe already draws 64-bit block numbers (Taus88 pairs, uniform below any region size), so it runs as tausworthe");
        }
        if (o.Get(Opt.RandomGenerator) == RandomGenerator.Lfsr && o.Rw.IsRandom() && o.Get(Opt.RandomDistribution).Kind != DistributionKind.Random)
        {
            throw new OptionException($"pinio: job '{name}': random_generator=lfsr visits each block once a pass, which random_distribution={o.Get(Opt.RandomDistribution).Kind.ToString().ToLowerInvariant()} cannot: use random_distribution=random or random_generator=tausworthe");
        }
        CheckSteadyState(name, o);
        CheckLatencyTarget(name, o);
        CheckPriorities(name, o, target, notes);
    }

    /// <summary>fio's wait_for_ok: the waitee is a job defined before the waiter, and not the waiter itself.</summary>
    public static void CheckWaitFor(IReadOnlyList<JobPlan> plans)
    {
        for (int i = 0; i < plans.Count; i++)
        {
            if (plans[i].Get(Opt.WaitFor) is not { } waitee)
            {
                continue;
            }
            if (waitee == plans[i].Name)
            {
                throw new OptionException($"pinio: job '{waitee}': a job cannot wait for itself (wait_for={waitee}): name another job");
            }
            bool before = false;
            for (int j = 0; j < i && !before; j++)
            {
                before = plans[j].Name == waitee;
            }
            if (!before)
            {
                throw new OptionException($"pinio: job '{plans[i].Name}': wait_for={waitee}: no job of that name is defined before this one (as fio, the waitee must come first in the job file)");
            }
        }
    }

    private static void CheckSteadyState(string name, JobOptions o)
    {
        long duration = o.Get(Opt.SteadyStateDuration);
        if (duration == 0)
        {
            return;
        }
        long interval = o.Get(Opt.SteadyStateCheckInterval);
        if (duration % 1_000_000 != 0 || duration % interval != 0 || duration / interval < 2)
        {
            throw new OptionException($"pinio: job '{name}': steadystate_duration={duration / 1000}ms must be whole seconds and at least two steadystate_check_interval={interval / 1000}ms samples: make it a multiple of the interval");
        }
    }

    /// <summary>Whether a job with options <paramref name="o"/> gives its requests a priority (prio, prioclass, priohint, cmdprio_percentage or cmdprio_bssplit).</summary>
    public static bool SetsPriority(JobOptions o) =>
        o.IsSet(Opt.Prio) || o.IsSet(Opt.PrioClass) || o.IsSet(Opt.PrioHint) || o.IsSet(Opt.CmdPrioPercentage) || o.IsSet(Opt.CmdPrioBsSplit);

    private static void CheckPriorities(string name, JobOptions o, Target target, List<string> notes)
    {
        bool any = SetsPriority(o);
        if (o.IsSet(Opt.CmdPrioPercentage) && o.IsSet(Opt.CmdPrioBsSplit))
        {
            throw new OptionException($"pinio: job '{name}': cmdprio_percentage and cmdprio_bssplit both pick which I/Os get the command priority (fio refuses the pair too): keep one");
        }
        if (!any)
        {
            if (o.Get(Opt.LogPrio))
            {
                notes.Add("log_prio: the job sets no priority, so every log line's priority is 0x0000");
            }
            return;
        }
        Target device = target is FaultTarget fault ? fault.Inner : target;
        if (device is RamTarget or NullTarget)
        {
            notes.Add($"prio/cmdprio: each request carries its I/O priority, but {target.Filename}'s device schedules nothing by it (only a file or block device hands it to the kernel)");
        }
        else if (device is FileTarget { Dotnet: true } || target is VolumeTarget || device is FileTarget { IsCharDevice: true })
        {
            notes.Add("prio/cmdprio: ignored — this job's I/O (ioengine=dotnet, a character device or a Volume file) does not go through PinIo's request path, which carries the priority");
        }
        else if (device is FileTarget { Engine: IoEngine.Sync })
        {
            notes.Add("prio/cmdprio: a synchronous call has no per-request priority: the sync engine's thread takes each request's with ioprio_set (fio's cmdprio_* are options of its libaio and io_uring engines only)");
        }
    }

    private static void CheckLatencyTarget(string name, JobOptions o)
    {
        if (o.Get(Opt.LatencyTarget) > 0 && o.Get(Opt.LatencyWindow) == 0)
        {
            throw new OptionException($"pinio: job '{name}': latency_target needs latency_window (the time each queue depth is tried for, e.g. latency_window=5s)");
        }
    }
}
