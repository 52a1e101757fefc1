using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli.Sched;

/// <summary>prio, prioclass and cmdprio_* give each request of a job its I/O priority (the library's IoPriorityTests show the engines hand it to the kernel).</summary>
public sealed class JobPriorityTests : PinBalancedTest
{
    private static readonly IoPriority s_idle = IoPriority.Of(IoPriorityClass.Idle, 0);
    private static readonly IoPriority s_realTime = IoPriority.Of(IoPriorityClass.RealTime, 0);

    [Fact]
    public void CmdprioPercentageGivesThatShareTheCommandPriorityAndTheRestTheJobs()
    {
        List<(int Size, IoPriority Priority)> bios = RunRecordingPriorities(
            "--name=p", "--filename=ram:4m", "--rw=randread", "--bs=4k", "--ioengine=psync", "--prioclass=3", "--cmdprio_percentage=20", "--cmdprio_class=1");

        Assert.Equal(1024, bios.Count);
        Assert.Equal([s_realTime, s_idle], bios.Select(b => b.Priority).Distinct().OrderBy(p => p.Value));
        int realTime = bios.Count(b => b.Priority == s_realTime);
        Assert.InRange(realTime, 1024 * 12 / 100, 1024 * 28 / 100);
    }

    [Fact]
    public void CmdprioBssplitPicksByBlockSize()
    {
        // fio's cmdprio-bssplit example, advanced form: 64k reads 25% RT/1 and 75% idle/2; 1m reads none.
        List<(int Size, IoPriority Priority)> bios = RunRecordingPriorities(
            "--name=p", "--filename=ram:16m", "--loops=4", "--rw=randread", "--bssplit=64k/40:1024k/60", "--ioengine=psync", "--cmdprio_bssplit=64k/25/1/1:64k/75/3/2:1024k/0");

        Assert.All(bios.Where(b => b.Size == 1 << 20), b => Assert.Equal(IoPriority.None, b.Priority));
        IoPriority[] small = [.. bios.Where(b => b.Size == 64 << 10).Select(b => b.Priority)];
        Assert.Equal([IoPriority.Of(IoPriorityClass.RealTime, 1), IoPriority.Of(IoPriorityClass.Idle, 2)], small.Distinct().OrderBy(p => p.Value));
    }

    [Fact]
    public void PrioAloneIsBestEffortAtThatLevelOnEveryRequest()
    {
        List<(int Size, IoPriority Priority)> bios = RunRecordingPriorities("--name=p", "--filename=ram:1m", "--rw=write", "--ioengine=psync", "--prio=6");

        Assert.All(bios, b => Assert.Equal(IoPriority.Of(IoPriorityClass.BestEffort, 6), b.Priority));
    }

    [Theory]
    [InlineData(IoEngine.IoUring, "io_uring")]
    [InlineData(IoEngine.Libaio, "libaio")]
    [InlineData(IoEngine.Sync, "psync")]
    public void AJobWithPrioritiesRunsOnAFile(IoEngine engine, string ioengine)
    {
        using var dir = new TempDirectory();
        JobPlan plan = TestJobs.Plan("--name=p", $"--filename={dir.File("f")}", "--size=1m", "--rw=randrw", "--direct=1", $"--ioengine={ioengine}",
            "--iodepth=4", "--prioclass=2", "--prio=7", "--cmdprio_percentage=50", "--cmdprio_class=3");

        using IBlockDevice device = plan.Target.Open(0);
        JobResult result = TestJobs.Run(plan, device);

        Assert.Equal(0, result.Error);
        Assert.Equal(engine, ((FileTarget)plan.Target).Engine);
    }

    [Fact]
    public void CmdprioPercentageAndBssplitTogetherAreRefused()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--name=p", "--filename=ram:1m", "--cmdprio_percentage=10", "--cmdprio_bssplit=4k/10"));

        Assert.Contains("cmdprio_percentage and cmdprio_bssplit", e.Message, StringComparison.Ordinal);
    }

    private static List<(int Size, IoPriority Priority)> RunRecordingPriorities(params string[] options)
    {
        JobPlan plan = TestJobs.Plan(options);
        using var disk = (RamDisk)plan.Target.Open(0);
        using var runner = new JobRunner(plan, disk);
        runner.Prepare(CancellationToken.None);
        var bios = new List<(int, IoPriority)>();
        disk.OnSubmit = bio =>
        {
            lock (bios)
            {
                bios.Add((bio.Size, bio.Priority));
            }
        };
        Assert.Equal(0, runner.Run(CancellationToken.None).Error);
        return bios;
    }
}
