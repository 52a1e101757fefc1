using PinIo.Cli.Jobs;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>reap_spin= (pinio only): the job's ring spins that long before sleeping for a completion; a time past 1 s is refused with the reason.</summary>
public sealed class ReapSpinJobTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData("--reap_spin=20", 20)]
    [InlineData("--reap_spin=1ms", 1000)]
    [InlineData("--ioengine=io_uring", 0)]
    public void ReapSpin_ReachesTheJobsRing(string option, int expectedUs)
    {
        JobPlan plan = TestJobs.Plan($"--filename={_dir.File("spin.dat")}", "--size=1m", "--ioengine=io_uring", "--direct=1", option);

        Assert.Equal(expectedUs, Assert.IsType<FileTarget>(plan.Target).ReapSpinUs);
    }

    [Fact]
    public void ReapSpin_PastOneSecond_EndsTheRunWithTheReason()
    {
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run([$"--filename={_dir.File("long.dat")}", "--size=1m", "--ioengine=io_uring", "--direct=1", "--reap_spin=2s"], new StringWriter(), stderr);

        Assert.Equal(1, status);
        Assert.Contains("reap_spin", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ReapSpin_AJobRunsThroughIt()
    {
        var stdout = new StringWriter();

        int status = PinIo.Cli.Program.Run([$"--filename={_dir.File("run.dat")}", "--size=1m", "--rw=randread", "--ioengine=io_uring", "--direct=1",
            "--iodepth=1", "--reap_spin=50", "--io_size=256k", "--time_based=0", "--runtime=0"], stdout, new StringWriter());

        Assert.Equal(0, status);
        Assert.Contains("err= 0", stdout.ToString(), StringComparison.Ordinal);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
