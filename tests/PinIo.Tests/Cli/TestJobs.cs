using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;

namespace PinIo.Tests.Cli;

/// <summary>Builds and runs one job from fio-style options, on the test's thread, without the program around it.</summary>
internal static class TestJobs
{
    /// <summary>The main job (named "main") with <paramref name="options"/> applied, as <c>pinio OPTIONS</c> builds it.</summary>
    public static JobPlan Plan(params string[] options) =>
        JobPlan.Resolve(CommandLineJobs.Parse(options, MainJob.Options()))[0];

    public static JobResult Run(JobPlan plan, Action<PinIo.Devices.RamDisk>? setup = null)
    {
        using var disk = (PinIo.Devices.RamDisk)plan.Target.Open(0);
        setup?.Invoke(disk);
        using var runner = new JobRunner(plan, disk);
        runner.Prepare(CancellationToken.None);
        return runner.Run(CancellationToken.None);
    }

    public static JobResult Run(params string[] options) => Run(Plan(options));
}
