// Follows fio's init.c (fixup_options: rate checks; __setup_rate) in meaning, not in code.
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>The rate, thinktime, flow and exit_what options of a job checked together at planning, as fio's fixup_options; what pinio does differently goes to the job's notes.</summary>
internal static class RatePlan
{
    public static void Check(string name, JobOptions o, List<string> notes)
    {
        RatePerDir rate = o.Get(Opt.Rate);
        RatePerDir iops = o.Get(Opt.RateIops);
        RatePerDir rateMin = o.Get(Opt.RateMin);
        RatePerDir iopsMin = o.Get(Opt.RateIopsMin);
        if ((rate.Any && iops.Any) || (rateMin.Any && iopsMin.Any))
        {
            throw new OptionException($"pinio: job '{name}': rate and rate_iops (and rate_min and rate_iops_min) are mutually exclusive, as in fio: keep one of each pair");
        }
        foreach (Stats.IoDir dir in (ReadOnlySpan<Stats.IoDir>)[Stats.IoDir.Read, Stats.IoDir.Write, Stats.IoDir.Trim])
        {
            if ((rate[dir] > 0 && rate[dir] < rateMin[dir]) || (iops[dir] > 0 && iops[dir] < iopsMin[dir]))
            {
                throw new OptionException($"pinio: job '{name}': minimum rate exceeds rate for {dir.ToString().ToLowerInvariant()}s (rate_min above rate, or rate_iops_min above rate_iops): lower the minimum or raise the rate");
            }
        }
        if (o.Get(Opt.RateProcess) == RateProcess.Poisson && !rate.Any && !iops.Any)
        {
            notes.Add("rate_process=poisson without rate or rate_iops: nothing is paced");
        }
        if (o.Get(Opt.IoSubmitMode) == IoSubmitMode.Offload)
        {
            notes.Add("io_submit_mode=offload: pinio submits from the job's own thread, not from a pool of threads; what it keeps of offload is that a rated job does not wait for the I/O in flight before sleeping until its next I/O is due (inline waits, as fio's), so completions do not pace submissions");
        }
        if (o.Get(Opt.ThinkTime) == 0 && (o.IsSet(Opt.ThinkTimeSpin) || o.IsSet(Opt.ThinkTimeBlocks) || o.IsSet(Opt.ThinkTimeBlocksType) || o.IsSet(Opt.ThinkTimeIoTime)))
        {
            notes.Add("thinktime_spin/thinktime_blocks/thinktime_blocks_type/thinktime_iotime without thinktime: ignored, as in fio");
        }
        if (o.Get(Opt.Flow) == 0 && (o.IsSet(Opt.FlowId) || o.IsSet(Opt.FlowSleep)))
        {
            notes.Add("flow_id/flow_sleep without flow: the job is in no flow, ignored as in fio");
        }
        if (o.IsSet(Opt.ExitWhat) && !o.Get(Opt.ExitAll))
        {
            notes.Add("exit_what without exitall: nothing is stopped when this job ends, as in fio");
        }
    }
}
