using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>number_ios: a job stops after that many I/Os if its size has not ended it first; it never runs longer, and a time-based job runs its time (fio 3.33's behaviour for each case).</summary>
public sealed class NumberIosTests : PinBalancedTest
{
    [Theory]
    [InlineData("--rw=randread", "--number_ios=100", "total=100,0,0,0")]
    [InlineData("--rw=read", "--number_ios=100000", "total=4096,0,0,0")]
    [InlineData("--rw=randwrite", "--number_ios=7", "total=0,7,0,0")]
    public void NumberIos_EndsASizeBoundJobEarly_AndNeverExtendsIt(string rw, string numberIos, string issued)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run(["--name=n", "--filename=ram:16m", rw, numberIos], stdout, stderr);

        Assert.True(status == 0, stderr.ToString());
        Assert.Contains($"issued rwts: {issued}", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void NumberIos_LeavesATimeBasedJobItsTime()
    {
        var stdout = new StringWriter();

        int status = PinIo.Cli.Program.Run(["--name=n", "--filename=ram:1m", "--rw=randread", "--number_ios=10", "--time_based", "--runtime=200ms"], stdout, new StringWriter());

        Assert.Equal(0, status);
        Assert.DoesNotContain("issued rwts: total=10,0,0,0", stdout.ToString(), StringComparison.Ordinal);
    }
}
