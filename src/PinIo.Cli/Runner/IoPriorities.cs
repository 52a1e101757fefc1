// Follows fio's engines/cmdprio.c (fio_cmdprio_set_ioprio, percentage and bssplit modes) and
// backend.c's ioprio_set of prio/prioclass/priohint, in meaning, not in code.
using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Runner;

/// <summary>
/// The I/O priority of each of a job's requests: the job's own (prio, prioclass, priohint;
/// best effort when only a level is given, as fio's ioprio_value) or, for a share of the I/Os,
/// the command priority — cmdprio_percentage of each direction's I/Os, or per block size by
/// cmdprio_bssplit, with cmdprio_class/cmdprio unless an entry names its own. Drawn from a
/// generator of its own, so the job's offsets and sizes do not change with it. Nothing is
/// allocated per I/O.
/// </summary>
internal sealed class IoPriorities
{
    private readonly IoPriority _job;
    private readonly PerDir<IoPriority> _command;
    private readonly PerDir<int> _percentage;
    private readonly PerDir<CmdPrioSplitEntry[]?> _split;
    private Taus88 _rng;

    private IoPriorities(JobPlan plan)
    {
        _job = JobPriority(plan.Options);
        PerDir<int?> cls = plan.Get(Opt.CmdPrioClass);
        PerDir<int?> level = plan.Get(Opt.CmdPrio);
        _command = new PerDir<IoPriority>(
            IoPriority.Of((IoPriorityClass)(cls.Read ?? 1), level.Read ?? 0),
            IoPriority.Of((IoPriorityClass)(cls.Write ?? 1), level.Write ?? 0));
        PerDir<int?> percentage = plan.Get(Opt.CmdPrioPercentage);
        _percentage = new PerDir<int>(percentage.Read ?? 0, percentage.Write ?? 0);
        _split = plan.Get(Opt.CmdPrioBsSplit);
        _rng = new Taus88(Taus88.DeriveSeed(plan.Seed, plan.Number, 7));
    }

    /// <summary>The priorities of <paramref name="plan"/>'s requests; null when it sets none (every request without one).</summary>
    public static IoPriorities? For(JobPlan plan) => SchedChecks.SetsPriority(plan.Options) ? new IoPriorities(plan) : null;

    /// <summary>prio/prioclass/priohint as fio's ioprio_value: best effort when no class is given; none when nothing is.</summary>
    public static IoPriority JobPriority(JobOptions o)
    {
        if (!o.IsSet(Opt.Prio) && !o.IsSet(Opt.PrioClass) && !o.IsSet(Opt.PrioHint))
        {
            return IoPriority.None;
        }
        int cls = o.Get(Opt.PrioClass) ?? 0;
        return IoPriority.Of(cls == 0 ? IoPriorityClass.BestEffort : (IoPriorityClass)cls, o.Get(Opt.Prio) ?? 0, o.Get(Opt.PrioHint));
    }

    /// <summary>The priority of an I/O of <paramref name="length"/> bytes in direction <paramref name="dir"/> (trims take the writes').</summary>
    public IoPriority Pick(IoDir dir, int length)
    {
        bool write = dir != IoDir.Read;
        if (_split[write] is { } entries)
        {
            return PickBySize(entries, length, _command[write]);
        }
        int percentage = _percentage[write];
        return percentage > 0 && (int)_rng.NextBelow(100) < percentage ? _command[write] : _job;
    }

    /// <summary>
    /// cmdprio_bssplit: the entries of the I/O's size share 100% among them; a draw falls in one
    /// (its priority, or the command priority when it names none; none at all for a 0% entry) or
    /// past them all (the job's priority).
    /// </summary>
    private IoPriority PickBySize(CmdPrioSplitEntry[] entries, int length, IoPriority command)
    {
        int draw = (int)_rng.NextBelow(100);
        int upTo = 0;
        foreach (CmdPrioSplitEntry entry in entries)
        {
            if (entry.Bs != length || entry.Percent == 0)
            {
                continue;
            }
            upTo += entry.Percent;
            if (draw < upTo)
            {
                return entry.Class is int cls
                    ? IoPriority.Of(cls == 0 ? IoPriorityClass.BestEffort : (IoPriorityClass)cls, entry.Level ?? 0, entry.Hint)
                    : command;
            }
        }
        return _job;
    }
}
