using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner.Engines;

/// <summary>The engine of a <see cref="DisklessTarget"/>'s job, by its ioengine.</summary>
internal static class DisklessEngines
{
    public static IJobEngine Create(JobPlan plan, IoClock clock) => plan.Get(Opt.IoEngine) switch
    {
        IoEngineKind.Cpuio => new CpuEngine(plan, clock),
        IoEngineKind.Exec => new ExecEngine(plan, clock),
        _ => new NetEngine(plan, clock),
    };

    /// <summary>Sleeps <paramref name="ticks"/> (Stopwatch ticks), no further than <paramref name="deadline"/> and no longer than the job runs (the pacers' <see cref="Pause"/>).</summary>
    public static void Sleep(long ticks, long deadline, CancellationToken ct) =>
        Pause.Until(Math.Min(deadline, System.Diagnostics.Stopwatch.GetTimestamp() + ticks), ct);
}
