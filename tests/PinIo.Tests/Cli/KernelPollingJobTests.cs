using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Devices;
using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Cli;

/// <summary>
/// fio's io_uring options sqthread_poll, sqthread_poll_cpu and hipri on a file: they set up the
/// job's ring as fio's do (IORING_SETUP_SQPOLL, SQ_AFF, IOPOLL) instead of being noted and ignored;
/// targets without a ring keep a note.
/// </summary>
public sealed class KernelPollingJobTests(ITestOutputHelper output) : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void SqthreadPoll_OnAFile_RunsOnAnSqpollRing_AndReportsIo()
    {
        string[] job = [$"--filename={_dir.File("sq.dat")}", "--size=1m", "--rw=randread", "--ioengine=io_uring", "--direct=1", "--iodepth=4", "--sqthread_poll=1"];
        JobPlan plan = TestJobs.Plan(job);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run([.. job, "--io_size=2m", "--time_based=0", "--runtime=0"], stdout, stderr);
        uint setupFlags = SetupFlagsOf(plan);

        output.WriteLine(stderr.ToString());
        Assert.Equal(0, status);
        Assert.Contains("  read: IOPS=", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("err= 0", stdout.ToString(), StringComparison.Ordinal);
        // fio's io_uring engine turns slat off with sqthread_poll (td->o.disable_slat).
        Assert.DoesNotContain("slat (", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("clat (", stdout.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sqthread_poll", stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(plan.Notes, n => n.StartsWith("sqthread_poll", StringComparison.Ordinal));
        Assert.NotEqual(0u, setupFlags & Interop.IORING_SETUP_SQPOLL);
        Assert.Equal(0u, setupFlags & Interop.IORING_SETUP_IOPOLL);
    }

    [Fact]
    public void SqthreadPollCpu_BindsTheSubmissionThread()
    {
        JobPlan plan = TestJobs.Plan($"--filename={_dir.File("cpu.dat")}", "--size=1m", "--ioengine=io_uring", "--direct=1", "--sqthread_poll=1", "--sqthread_poll_cpu=0");

        Assert.NotEqual(0u, SetupFlagsOf(plan) & Interop.IORING_SETUP_SQ_AFF);
    }

    [Fact]
    public void SqthreadPollCpu_ThatIsNoCpu_EndsTheRunWithTheReason()
    {
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run([$"--filename={_dir.File("nocpu.dat")}", "--size=1m", "--ioengine=io_uring", "--direct=1",
            "--sqthread_poll=1", "--sqthread_poll_cpu=1048576"], new StringWriter(), stderr);

        Assert.Equal(1, status);
        Assert.Contains("sqthread_poll_cpu", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Hipri_OnAFile_PollsForCompletions_AndWithoutPollQueuesFailsWithTheClearErrorAndExitStatus1()
    {
        string path = _dir.File("hipri.dat");
        string[] job = [$"--filename={path}", "--size=1m", "--rw=randread", "--ioengine=io_uring", "--direct=1", "--hipri=1", "--io_size=256k", "--time_based=0", "--runtime=0"];
        JobPlan plan = TestJobs.Plan(job);
        var stdout = new StringWriter();

        int status = PinIo.Cli.Program.Run(job, stdout, new StringWriter());

        output.WriteLine(stdout.ToString());
        Assert.NotEqual(0u, SetupFlagsOf(plan) & Interop.IORING_SETUP_IOPOLL);
        Assert.DoesNotContain(plan.Notes, n => n.StartsWith("hipri", StringComparison.Ordinal));
        if (FilePollQueues.Under(path))
        {
            Assert.Equal(0, status);
            return;
        }
        Assert.Equal(1, status);
        Assert.Contains("err=95 (", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("the device does not support polled I/O (hipri / CompletionPolling): turn it off", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Hipri_WithBufferedIo_IsABadOption()
    {
        OptionException e = Assert.Throws<OptionException>(() =>
            TestJobs.Plan($"--filename={_dir.File("buffered.dat")}", "--size=1m", "--ioengine=io_uring", "--direct=0", "--hipri=1"));

        Assert.Contains("set direct=1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--filename=ram:1m", "ram: target has no ring")]
    [InlineData("--ioengine=psync", "ioengine=psync has no ring")]
    public void WithoutARing_SqthreadPollAndHipriKeepANote(string where, string note)
    {
        string[] options = where.StartsWith("--filename", StringComparison.Ordinal)
            ? [where]
            : [$"--filename={_dir.File("sync.dat")}", "--size=1m", where];

        JobPlan plan = TestJobs.Plan([.. options, "--sqthread_poll=1", "--hipri=1"]);

        Assert.Contains(plan.Notes, n => n.StartsWith("sqthread_poll: ", StringComparison.Ordinal) && n.Contains(note, StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.StartsWith("hipri: ", StringComparison.Ordinal));
    }

    /// <summary>Opens the job's target as the run would and reads its ring's setup flags.</summary>
    private static uint SetupFlagsOf(JobPlan plan)
    {
        using var device = (FileDevice)plan.Target.Open(0);
        return ((IoUringEngine)device.EngineCore).SetupFlags;
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
