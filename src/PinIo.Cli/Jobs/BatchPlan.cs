// Follows fio's init.c (fixup_options: iodepth_batch_submit, iodepth_batch_complete_min/max) in meaning, not in code.
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// How many I/Os a job submits together and reaps together. fio's defaults submit and reap one
/// at a time, one io_uring_enter per I/O; where a job names neither batch and paces nothing,
/// pinio takes an eighth of its queue per enter instead, two at least (<c>auto_batch</c>, on by
/// default): at depth 32 a quarter of the system calls, and each wake-up of the job thread reaps
/// four completions, while seven eighths of the queue stay in flight. On zram (bench/README.md,
/// "lead (session 13)"), randread 4 KiB at depth 32: user CPU per I/O 0.63x fio's, IOPS 1.02x,
/// p99 0.89x, against 1.53x, 0.81x and 1.32x one at a time; read 128 KiB at depth 8 (batches of
/// 2): 0.81x, 1.02x, 0.99x against 2.02x, 0.94x, 1.14x.
/// <para>
/// A reap waits for the batch only when nothing has ended yet: completions already in the ring
/// are taken at once, up to the batch (<see cref="JobPlan.ReapsReadyFirst"/>). Sleeping is what a
/// batch saves; waiting for the rest of one while some are ready only idles the job thread, and on
/// zram, whose reads an io-wq worker completes one by one, that held randread 4 KiB at depth 32
/// to 0.84x fio's IOPS (bench/README.md, "lead (session 17)").
/// </para>
/// </summary>
internal static class BatchPlan
{
    /// <summary>The smallest queue that auto_batch batches: a batch of two leaves three quarters of it in flight.</summary>
    public const int AutoBatchMinDepth = 8;

    /// <summary>iodepth_batch_submit, iodepth_batch_complete_min and _max as the job runs them (fio's fixup: min no deeper than the queue, max at least min), and whether a reap takes what is ready before it waits (auto_batch only).</summary>
    public static BatchShape Resolve(JobOptions o, Target target, List<string> notes)
    {
        int depth = o.Get(Opt.IoDepth);
        int auto = AutoBatch(o, target);
        int submit = auto > 0 ? auto : o.Get(Opt.IoDepthBatchSubmit);
        int completeMin = auto > 0 ? auto : o.Get(Opt.IoDepthBatchCompleteMin);
        if (auto > 0)
        {
            notes.Add($"auto_batch: {auto} I/Os submitted per io_uring_enter, and up to {auto} reaped: those already ended, or a wait for {auto} when none has (an eighth of iodepth={depth}, two at least; fio's default is one at a time): " +
                "set iodepth_batch_submit or iodepth_batch_complete_min, or auto_batch=0, to run fio's shape");
        }
        return new BatchShape(
            submit == 0 ? depth : Math.Min(submit, depth),
            Math.Min(completeMin, depth),
            Math.Max(o.Get(Opt.IoDepthBatchCompleteMax), completeMin),
            ReapsReadyFirst: auto > 0);
    }

    /// <summary>
    /// The batch auto_batch takes, or 0: a file or block device on the job thread's own io_uring
    /// ring (the shape measured; not SQPOLL, not a completion thread, not a RAM disk) at depth 8
    /// or more, neither batch named, and nothing that paces or probes the queue (rate, rate_iops,
    /// thinktime, latency_target, flow), whose timing a batch would shift.
    /// </summary>
    private static int AutoBatch(JobOptions o, Target target)
    {
        int depth = o.Get(Opt.IoDepth);
        bool applies = o.Get(Opt.AutoBatch) && depth >= AutoBatchMinDepth
            && target is FileTarget { Engine: IoEngine.IoUring, Dotnet: false, SubmissionPolling: false, Unpolled: false }
            && !o.IsSet(Opt.IoDepthBatchSubmit) && !o.IsSet(Opt.IoDepthBatchCompleteMin)
            && !o.Get(Opt.Rate).Any && !o.Get(Opt.RateIops).Any && o.Get(Opt.ThinkTime) == 0
            && o.Get(Opt.LatencyTarget) == 0 && o.Get(Opt.Flow) == 0;
        return applies ? Math.Max(2, depth / 8) : 0;
    }
}

/// <summary>How a job batches its submissions and reaps (<see cref="BatchPlan.Resolve"/>).</summary>
internal readonly record struct BatchShape(int Submit, int CompleteMin, int CompleteMax, bool ReapsReadyFirst);
