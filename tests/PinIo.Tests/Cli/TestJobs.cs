using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Devices;

namespace PinIo.Tests.Cli;

/// <summary>Builds and runs one job from fio-style options, on the test's thread, without the program around it.</summary>
internal static class TestJobs
{
    /// <summary>16 MiB of 4 KiB reads at depth 8 on io_uring, size-bound: exactly <see cref="ExactReadIos"/> I/Os.</summary>
    public static readonly string[] ExactReads = ["--filename=ram:16m", "--rw=read", "--time_based=0", "--runtime=0", "--ioengine=io_uring", "--iodepth=8"];

    public const int ExactReadIos = 4096;

    /// <summary>The main job (named "main") with <paramref name="options"/> applied, as <c>pinio OPTIONS</c> builds it.</summary>
    public static JobPlan Plan(params string[] options) =>
        JobPlan.Resolve(CommandLineJobs.Parse(options, MainJob.Options()))[0];

    public static JobResult Run(JobPlan plan, Action<RamDisk>? setup = null)
    {
        using var disk = (RamDisk)plan.Target.Open(0);
        setup?.Invoke(disk);
        return Run(plan, disk);
    }

    /// <summary>Lays out and runs <paramref name="plan"/> on a device the caller owns (so that a later job can look at what it left).</summary>
    public static JobResult Run(JobPlan plan, IBlockDevice device)
    {
        using var runner = new JobRunner(plan, device);
        runner.Prepare(CancellationToken.None);
        return runner.Run(CancellationToken.None);
    }

    public static JobResult Run(params string[] options) => Run(Plan(options));

    /// <summary>The normal (human) report of one job's result, as pinio prints it after the run.</summary>
    public static string NormalReport(JobResult result)
    {
        var output = new StringWriter();
        PinIo.Cli.Report.NormalReport.Write(output, [result], pid: 1);
        return output.ToString();
    }

    /// <summary>Runs a job on a RAM disk and records the bios of its measured phases (not the layout) in submission order.</summary>
    public static (JobResult Result, List<(BioOp Op, long Position, int Size)> Bios) RunRecording(params string[] options)
    {
        JobPlan plan = Plan(options);
        using var disk = (RamDisk)plan.Target.Open(0);
        using var runner = new JobRunner(plan, disk);
        runner.Prepare(CancellationToken.None);
        var bios = new List<(BioOp, long, int)>();
        var gate = new Lock();
        disk.OnSubmit = bio =>
        {
            lock (gate)
            {
                bios.Add((bio.Op, bio.Position, bio.Size));
            }
        };
        JobResult result = runner.Run(CancellationToken.None);
        return (result, bios);
    }

    /// <summary>Runs with PinStats' per-pin owner stacks off (the balance is still checked): for tests that pin hundreds of thousands of pages.</summary>
    public static T WithoutPinOwnerStacks<T>(Func<T> run)
    {
        bool recording = PinIo.Mm.PinStats.RecordPinOwners;
        PinIo.Mm.PinStats.RecordPinOwners = false;
        try
        {
            return run();
        }
        finally
        {
            PinIo.Mm.PinStats.RecordPinOwners = recording;
        }
    }

    /// <summary>The share of all hits that the most-hit tenth of the keys take.</summary>
    public static double TopTenthShare<TKey>(IEnumerable<TKey> hits, long keys)
        where TKey : notnull
    {
        long[] counts = [.. hits.GroupBy(h => h).Select(g => (long)g.Count()).OrderDescending()];
        long total = counts.Sum();
        long top = counts.Take((int)Math.Max(1, keys / 10)).Sum();
        return (double)top / total;
    }
}
