// Follows fio's options.c (rate, ratemin, rate_iops, rate_iops_min, rate_process, ratecycle,
// thinktime*, flow*, exit_what, io_submit_mode) in meaning, not in code.
namespace PinIo.Cli.Options;

/// <summary>How fast a job issues, when it pauses, how it shares a flow with other jobs and whom its exitall stops (fio's "I/O rate" options).</summary>
internal static partial class Opt
{
    public static readonly Opt<RatePerDir> Rate = Declare<RatePerDir>(new()
    {
        Name = "rate", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseRatePerDirection(v, bytes: true),
        Help = "Cap the job's bandwidth in bytes/s per direction (rate=1m,500k: reads 1 MiB/s, writes 500 KiB/s; rate=,500k writes only; 0 = no cap): the job sleeps until its next I/O is due",
    });

    public static readonly Opt<RatePerDir> RateIops = Declare<RatePerDir>(new()
    {
        Name = "rate_iops", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseRatePerDirection(v, bytes: false),
        Help = "Cap the job's I/Os per second per direction (as rate, counted in blocks of the smallest block size; with bssplit, in I/Os)",
    });

    public static readonly Opt<RatePerDir> RateMin = Declare<RatePerDir>(new()
    {
        Name = "rate_min", Aliases = ["ratemin"], Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseRatePerDirection(v, bytes: true),
        Help = "Fail the job (EIO) when its bandwidth in a direction falls below this many bytes/s over a ratecycle (checked after the first 2 s)",
    });

    public static readonly Opt<RatePerDir> RateIopsMin = Declare<RatePerDir>(new()
    {
        Name = "rate_iops_min", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseRatePerDirection(v, bytes: false),
        Help = "Fail the job (EIO) when its IOPS in a direction fall below this over a ratecycle (checked after the first 2 s)",
    });

    public static readonly Opt<int> RateCycle = Declare<int>(new() { Name = "rate_cycle", Aliases = ["ratecycle"], Kind = OptionKind.Int, Default = "1000", Min = 1, Help = "Milliseconds over which rate_min and rate_iops_min are averaged" });

    public static readonly Opt<RateProcess> RateProcess = Declare<RateProcess>(new()
    {
        Name = "rate_process", Kind = OptionKind.Choice, Default = "linear", Help = "How rated I/O is spaced",
        Choices =
        [
            new("linear", Options.RateProcess.Linear, "Each I/O is due when the bytes issued so far, at the rate, have taken their time"),
            new("poisson", Options.RateProcess.Poisson, "Gaps drawn from an exponential distribution of mean 1/IOPS (a Poisson process)"),
        ],
    });

    public static readonly Opt<bool> RateIgnoreThinktime = Declare<bool>(new() { Name = "rate_ignore_thinktime", Kind = OptionKind.Bool, Default = "0", Help = "After a thinktime, go on at the rate instead of catching up the I/O the pause missed" });

    public static readonly Opt<IoSubmitMode> IoSubmitMode = Declare<IoSubmitMode>(new()
    {
        Name = "io_submit_mode", Kind = OptionKind.Choice, Default = "inline", Help = "Who submits the job's I/O",
        Choices =
        [
            new("inline", Options.IoSubmitMode.Inline, "The job's thread submits and reaps; a rated job waits for its I/O in flight before sleeping for its rate"),
            new("offload", Options.IoSubmitMode.Offload, "fio: a pool of submitting threads. pinio submits from the job's thread, and a rated job does not wait for the I/O in flight before sleeping for its rate (a job note says so)"),
        ],
    });

    public static readonly Opt<long> ThinkTime = Declare<long>(new() { Name = "thinktime", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseNonNegativeTimeUs(v, 1), Help = "Pause this long (microseconds, or with a unit) after an I/O completes, before issuing the next, as an application processing its data would" });

    public static readonly Opt<long> ThinkTimeSpin = Declare<long>(new() { Name = "thinktime_spin", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseNonNegativeTimeUs(v, 1), Help = "Of each thinktime, spend this long (microseconds) busy on the CPU, then sleep the rest" });

    public static readonly Opt<long> ThinkTimeBlocks = Declare<long>(new() { Name = "thinktime_blocks", Kind = OptionKind.Int, Default = "1", Min = 1, Help = "Pause for thinktime after this many blocks (completed, or issued: thinktime_blocks_type)" });

    public static readonly Opt<ThinkTimeBlocksType> ThinkTimeBlocksType = Declare<ThinkTimeBlocksType>(new()
    {
        Name = "thinktime_blocks_type", Kind = OptionKind.Choice, Default = "complete", Help = "What thinktime_blocks counts",
        Choices =
        [
            new("complete", Options.ThinkTimeBlocksType.Complete, "Blocks completed"),
            new("issue", Options.ThinkTimeBlocksType.Issue, "Blocks issued"),
        ],
    });

    public static readonly Opt<long> ThinkTimeIoTime = Declare<long>(new() { Name = "thinktime_iotime", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseNonNegativeTimeUs(v, 1_000_000), Help = "Pause for thinktime after this long of I/O (seconds, or with a unit), or after thinktime_blocks when that is set too, whichever comes first" });

    public static readonly Opt<int> Flow = Declare<int>(new() { Name = "flow", Kind = OptionKind.Int, Default = "0", Min = 0, Help = "Weight of this job in its flow: jobs of one flow_id issue I/O in the ratio of their weights (flow=3 and flow=1: three I/Os to one); 0 = not in a flow" });

    public static readonly Opt<int> FlowId = Declare<int>(new() { Name = "flow_id", Kind = OptionKind.Int, Default = "0", Min = 0, Help = "The flow this job's flow weight counts in (default: one flow for all)" });

    public static readonly Opt<long> FlowSleep = Declare<long>(new() { Name = "flow_sleep", Kind = OptionKind.Int, Default = "0", Min = 0, Help = "Microseconds to wait, once ahead of its share of the flow, before trying again (0: fio retries at once; pinio yields the CPU and retries)" });

    public static readonly Opt<ExitWhat> ExitWhat = Declare<ExitWhat>(new()
    {
        Name = "exit_what", Kind = OptionKind.Choice, Default = "group", Help = "Which jobs this job's exitall stops when it ends",
        Choices =
        [
            new("group", Options.ExitWhat.Group, "The jobs of its reporting group"),
            new("stonewall", Options.ExitWhat.Stonewall, "Every running job (all groups of its stonewall segment); the next segment then starts"),
            new("all", Options.ExitWhat.All, "Every job, running or still to start"),
        ],
    });
}

/// <summary>A rate per data direction (read, write, trim); 0: no rate in that direction.</summary>
internal readonly record struct RatePerDir(long Read, long Write, long Trim)
{
    public long this[Stats.IoDir dir] => dir switch
    {
        Stats.IoDir.Read => Read,
        Stats.IoDir.Write => Write,
        _ => Trim,
    };

    public bool Any => Read > 0 || Write > 0 || Trim > 0;

    public override string ToString() => Read == Write && Write == Trim ? $"{Read}" : $"{Read},{Write},{Trim}";
}

/// <summary>fio's rate_process=.</summary>
internal enum RateProcess
{
    Linear,
    Poisson,
}

/// <summary>fio's io_submit_mode=.</summary>
internal enum IoSubmitMode
{
    Inline,
    Offload,
}

/// <summary>fio's thinktime_blocks_type=.</summary>
internal enum ThinkTimeBlocksType
{
    Complete,
    Issue,
}

/// <summary>fio's exit_what=: whom an exitall stops.</summary>
internal enum ExitWhat
{
    Group,
    Stonewall,
    All,
}
