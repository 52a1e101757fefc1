using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Cli.Stats;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

public sealed class JobRunnerTests : PinBalancedTest
{
    [Theory]
    [InlineData("io_uring", false)]
    [InlineData("io_uring", true)]
    [InlineData("psync", false)]
    public void AShortTimedRunCountsBytesAsIosTimesBs(string engine, bool fixedbufs)
    {
        string[] options = ["--filename=ram:4m", "--rw=randread", "--bs=4k", "--iodepth=8", "--runtime=200ms", $"--ioengine={engine}"];
        JobResult result = TestJobs.Run(fixedbufs ? [.. options, "--fixedbufs"] : options);

        DirStats read = result.Stats.Read;
        Assert.Equal(0, result.Error);
        Assert.True(read.TotalIos > 0);
        Assert.Equal(read.TotalIos * 4096, read.IoBytes);
        Assert.Equal(0, read.ShortIos);
        Assert.Equal(0, result.Stats.Write.TotalIos);
        Assert.Equal(read.TotalIos, read.Clat.Samples);
        Assert.Equal(read.TotalIos, read.ClatHistogram.Count);
        Assert.Equal(read.TotalIos, result.Stats.DepthMap.Sum());
        Assert.True(read.RuntimeMs > 0);
        Assert.True(read.Bw.Samples > 0 && read.Iops.Samples > 0);
    }

    [Fact]
    public void ManagedBuffersArePinnedOncePerPagePerIoAndPoolPagesNever()
    {
        JobResult managed = TestJobs.Run("--filename=ram:4m", "--rw=randread", "--bs=8k", "--iodepth=4", "--runtime=100ms");
        JobResult pooled = TestJobs.Run("--filename=ram:4m", "--rw=randread", "--bs=8k", "--iodepth=4", "--runtime=100ms", "--fixedbufs");

        Assert.Equal(managed.Stats.TotalIos * 2, managed.Pins.Acquired);
        Assert.Equal(managed.Pins.Acquired, managed.Pins.Released);
        Assert.Equal(0, pooled.Pins.Acquired);
        Assert.Equal(0, pooled.Pins.Released);
    }

    [Fact]
    public void ASizeBoundJobDoesTheRegionOncePerLoop()
    {
        JobResult once = TestJobs.Run("--filename=ram:1m", "--rw=write", "--time_based=0", "--runtime=0", "--iodepth=4", "--fixedbufs");
        JobResult twice = TestJobs.Run("--filename=ram:1m", "--rw=randwrite", "--time_based=0", "--runtime=0", "--loops=2", "--fixedbufs");

        Assert.Equal(256, once.Stats.Write.TotalIos);
        Assert.Equal(1L << 20, once.Stats.Write.IoBytes);
        Assert.Equal(512, twice.Stats.Write.TotalIos);
    }

    [Fact]
    public void ASynchronousEngineRunsAtDepthOne()
    {
        JobResult result = TestJobs.Run("--filename=ram:1m", "--rw=read", "--ioengine=psync", "--iodepth=16", "--runtime=50ms");

        Assert.Equal(result.Stats.TotalIos, result.Stats.DepthMap[0]);
        Assert.Equal(0, result.Stats.Read.Slat.Samples);
    }

    [Fact]
    public void AMixedJobSplitsByRwmixread()
    {
        JobResult result = TestJobs.Run("--filename=ram:4m", "--rw=randrw", "--rwmixread=75", "--time_based=0", "--runtime=0", "--loops=4", "--iodepth=4", "--fixedbufs");

        long total = result.Stats.TotalIos;
        Assert.Equal(4096, total);
        Assert.InRange(result.Stats.Read.TotalIos, total * 70 / 100, total * 80 / 100);
        Assert.True(result.Stats.Read.RuntimeMs > 0 && result.Stats.Write.RuntimeMs > 0);
    }

    [Fact]
    public void JobsRunTogetherOnTheirOwnThreads()
    {
        var plans = JobPlan.Resolve(PinIo.Cli.Options.CommandLineJobs.Parse(
            ["--filename=ram:4m", "--runtime=100ms", "--time_based", "--name=a", "--rw=randread", "--numjobs=2", "--name=b", "--rw=randwrite", "--ioengine=io_uring", "--iodepth=4"],
            MainJob.Options()));

        IReadOnlyList<JobResult> results = JobGroup.Run(plans, CancellationToken.None);

        Assert.Equal(["a", "a", "b"], results.Select(r => r.Plan.Name));
        Assert.All(results, r => Assert.True(r.Stats.TotalIos > 0));
        Assert.True(results[2].Stats.Write.TotalIos > 0);
    }

    [Fact]
    public void CancellationStopsATimeBasedJobWithNothingInFlight()
    {
        JobPlan plan = TestJobs.Plan("--filename=ram:1m", "--rw=randread", "--runtime=0", "--time_based", "--fixedbufs");
        using var cancel = new CancellationTokenSource();
        using var disk = (PinIo.Devices.RamDisk)plan.Target.Open(0);
        using var runner = new JobRunner(plan, disk);
        runner.Prepare(CancellationToken.None);
        long submitted = disk.BiosSubmitted;
        disk.OnSubmit = _ =>
        {
            if (disk.BiosSubmitted - submitted >= 1000)
            {
                cancel.Cancel();
            }
        };

        JobResult result = runner.Run(cancel.Token);

        Assert.InRange(result.Stats.TotalIos, 1000, 1000 + plan.Get(Opt.IoDepth));
        Assert.Equal(0, disk.InFlight);
    }
}
