namespace PinIo.Cli.Options;

// When jobs start and end, how they pick offsets, and the I/O priority of their requests
// (fio's wait_for, steadystate, latency_target, random_generator, prio and cmdprio).
internal static partial class Opt
{
    public static readonly Opt<long> Threads = Declare<long>(new() { Name = "threads", Kind = OptionKind.Int, Default = "0", Help = "fio's tiobench profile's thread count (profile=tiobench registers it for every job; outside that profile it changes nothing): accepted and ignored, with a note" });

    public static readonly Opt<string?> WaitFor = Declare<string?>(new() { Name = "wait_for", Kind = OptionKind.Text, Help = "Start this job only when every job of this name (all its numjobs clones), defined before it, has ended" });

    public static readonly Opt<SteadyStateSpec> SteadyState = Declare<SteadyStateSpec>(new()
    {
        Name = "steadystate", Aliases = ["ss"], Kind = OptionKind.Custom, Default = "iops_slope:0.01%", Parser = (_, v) => ValueParsers.ParseSteadyState(v),
        Help = "End the job when it reaches steady state over steadystate_duration: iops:N or bw:N (every sample within N of the window's mean), iops_slope:N or bw_slope:N (the window's least-squares slope below N); N% relative to the mean",
    });

    public static readonly Opt<long> SteadyStateDuration = Declare<long>(new() { Name = "steadystate_duration", Aliases = ["ss_dur"], Kind = OptionKind.Time, Default = "0", Min = 0, Help = "The rolling window steadystate is judged over (whole seconds; 0 = no steady-state detection)" });

    public static readonly Opt<long> SteadyStateRampTime = Declare<long>(new() { Name = "steadystate_ramp_time", Aliases = ["ss_ramp"], Kind = OptionKind.Time, Default = "0", Min = 0, Help = "Collect no steady-state samples until this long after the job starts" });

    public static readonly Opt<long> SteadyStateCheckInterval = Declare<long>(new() { Name = "steadystate_check_interval", Aliases = ["ss_interval"], Kind = OptionKind.Time, Default = "1", Min = 1000, Help = "Time between steady-state samples (steadystate_duration must be a multiple of it)" });

    public static readonly Opt<long> LatencyTarget = Declare<long>(new() { Name = "latency_target", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseTimeUs(v, 1), Help = "Find the highest queue depth (up to iodepth) at which latency_percentile of the I/Os complete within this time (microseconds unless a unit follows); 0 = off" });

    public static readonly Opt<long> LatencyWindow = Declare<long>(new() { Name = "latency_window", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseTimeUs(v, 1), Help = "latency_target: the time each queue depth is tried for (microseconds unless a unit follows)" });

    public static readonly Opt<double> LatencyPercentile = Declare<double>(new() { Name = "latency_percentile", Kind = OptionKind.Custom, Default = "100", Parser = (_, v) => ValueParsers.ParsePercentage(v), Help = "latency_target: the share of I/Os (percent) that must complete within the target" });

    public static readonly Opt<bool> LatencyRun = Declare<bool>(new() { Name = "latency_run", Kind = OptionKind.Bool, Default = "0", Help = "latency_target: keep running (and probing) once the depth is found, instead of ending the job" });

    public static readonly Opt<RandomGenerator> RandomGenerator = Declare<RandomGenerator>(new()
    {
        Name = "random_generator", Kind = OptionKind.Choice, Default = "tausworthe", Help = "The generator of random offsets",
        Choices =
        [
            new("tausworthe", Options.RandomGenerator.Tausworthe, "Taus88, with the random map (norandommap) keeping each block to once a pass"),
            new("lfsr", Options.RandomGenerator.Lfsr, "A maximal-period linear feedback shift register over the blocks: every block exactly once a pass without a random map"),
            new("tausworthe64", Options.RandomGenerator.Tausworthe64, "As tausworthe (pinio's Taus88 draws 64-bit block numbers already)"),
        ],
    });

    public static readonly Opt<int?> Prio = Declare<int?>(new() { Name = "prio", Kind = OptionKind.Int, Min = 0, Max = 7, Help = "I/O priority level of the job's requests (0 highest, 7 lowest), in prioclass (default best effort)" });

    public static readonly Opt<int?> PrioClass = Declare<int?>(new() { Name = "prioclass", Kind = OptionKind.Int, Min = 0, Max = 3, Help = "I/O priority class of the job's requests: 1 real time, 2 best effort, 3 idle (0: none)" });

    public static readonly Opt<int> PrioHint = Declare<int>(new() { Name = "priohint", Kind = OptionKind.Int, Default = "0", Min = 0, Max = 7, Help = "I/O priority hint of the job's requests (a command duration limit descriptor, IOPRIO_HINT_DEV_DURATION_LIMIT_N); 0 = none" });

    public static readonly Opt<PerDir<int?>> CmdPrioPercentage = Declare<PerDir<int?>>(new()
    {
        Name = "cmdprio_percentage", Kind = OptionKind.Custom, Parser = (_, v) => ValueParsers.ParsePercentPerDirection(v),
        Help = "Share (percent) of the job's I/Os issued with cmdprio_class/cmdprio instead of the job's priority (per direction: 20,50); libaio and io_uring",
    });

    public static readonly Opt<PerDir<int?>> CmdPrioClass = Declare<PerDir<int?>>(new() { Name = "cmdprio_class", Kind = OptionKind.Custom, Default = "1", Parser = (_, v) => ValueParsers.ParseIntPerDirection(v, 1, 3), Help = "Priority class of cmdprio_percentage's and cmdprio_bssplit's I/Os (per direction; default 1, real time)" });

    public static readonly Opt<PerDir<int?>> CmdPrio = Declare<PerDir<int?>>(new() { Name = "cmdprio", Kind = OptionKind.Custom, Default = "0", Parser = (_, v) => ValueParsers.ParseIntPerDirection(v, 0, 7), Help = "Priority level of cmdprio_percentage's and cmdprio_bssplit's I/Os (per direction; default 0)" });

    public static readonly Opt<PerDir<CmdPrioSplitEntry[]?>> CmdPrioBsSplit = Declare<PerDir<CmdPrioSplitEntry[]?>>(new()
    {
        Name = "cmdprio_bssplit", Kind = OptionKind.Custom, Parser = (_, v) => ValueParsers.ParseCmdPrioBsSplit(v),
        Help = "Priorities by block size: bs/percent (that share of bs-sized I/Os with cmdprio_class/cmdprio) or bs/percent/class/level[/hint], ':'-separated, per direction",
    });

    public static readonly Opt<bool> LogPrio = Declare<bool>(new() { Name = "log_prio", Kind = OptionKind.Bool, Default = "0", Help = "The priority column of latency logs holds each I/O's ioprio value (default: 1 for a prioritised I/O, else 0)" });
}
