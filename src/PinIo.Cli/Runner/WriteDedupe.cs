// Follows fio's io_u.c get_buf_state / dedupe.c (init_dedupe_working_set_seeds) in meaning, not in code.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// dedupe_percentage: the seed of each write buffer's data. With the percentage's chance a
/// write repeats an earlier buffer — the job's last unique one (dedupe_mode=repeat) or one of a
/// working set of dedupe_working_set_percentage of the job's size in blocks
/// (dedupe_mode=working_set) — else it gets a new seed of its own. With dedupe_global the
/// working set comes from randseed alone, so every job with it draws the same buffers and
/// their duplicates span the jobs. No allocation per write.
/// </summary>
internal sealed class WriteDedupe
{
    private readonly int _percentage;
    private readonly ulong[]? _workingSet;
    private ulong _choice;
    private ulong _unique;
    private ulong _lastUnique;
    private bool _anyUnique;

    public WriteDedupe(JobPlan plan)
    {
        _percentage = plan.Get(Opt.DedupePercentage);
        _choice = Taus88.DeriveSeed(plan.Seed, plan.Number, 11);
        _unique = Taus88.DeriveSeed(plan.Seed, plan.Number, 12);
        if (plan.Get(Opt.DedupeModeOption) == DedupeMode.WorkingSet)
        {
            long blocks = Math.Max(1, plan.Size / plan.BlockSize * plan.Get(Opt.DedupeWorkingSetPercentage) / 100);
            ulong set = plan.Get(Opt.DedupeGlobal) ? Taus88.DeriveSeed(plan.Seed, 0, 13) : Taus88.DeriveSeed(plan.Seed, plan.Number, 13);
            _workingSet = new ulong[Math.Min(blocks, 1 << 20)];
            for (int i = 0; i < _workingSet.Length; i++)
            {
                _workingSet[i] = Taus88.SplitMix64(ref set);
            }
        }
    }

    /// <summary>The seed of the next write's data: a repeat, or a new one.</summary>
    public ulong NextSeed()
    {
        bool duplicate = (int)(Taus88.SplitMix64(ref _choice) % 100) < _percentage;
        if (duplicate && _workingSet is not null)
        {
            return _workingSet[(int)(Taus88.SplitMix64(ref _choice) % (ulong)_workingSet.Length)];
        }
        if (duplicate && _anyUnique)
        {
            return _lastUnique;
        }
        _anyUnique = true;
        _lastUnique = Taus88.SplitMix64(ref _unique);
        return _lastUnique;
    }
}
