using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// colocate_depth1: a depth-1 io_uring job with no cpus_allowed binds its thread to the CPU it
/// starts on, and the io-wq worker the kernel hands its blocking reads to inherits that CPU.
/// </summary>
public sealed class ColocateDepth1Tests : PinBalancedTest
{
    private static JobPlan PlanOn(string path, params string[] options) =>
        TestJobs.Plan([$"--filename={path}", "--size=1m", "--rw=randread", "--direct=1", "--name=main", .. options]);

    [Fact]
    public void OnlyADepthOneIoUringJobWithoutCpusAllowedStaysOnItsStartCpu()
    {
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"pinio-colocate-{Guid.NewGuid():N}");

        Assert.False(PlanOn(path, "--ioengine=io_uring", "--iodepth=1").StaysOnStartCpu); // a regular file: block devices only
        Assert.False(PlanOn(path, "--ioengine=io_uring", "--iodepth=2").StaysOnStartCpu);
        Assert.False(PlanOn(path, "--ioengine=io_uring", "--iodepth=1", "--colocate_depth1=0").StaysOnStartCpu);
        Assert.False(PlanOn(path, "--ioengine=io_uring", "--iodepth=1", "--cpus_allowed=0").StaysOnStartCpu);
        Assert.False(PlanOn(path, "--ioengine=io_uring", "--iodepth=1", "--sqthread_poll").StaysOnStartCpu);
        Assert.False(PlanOn(path, "--ioengine=libaio", "--iodepth=1").StaysOnStartCpu);
        Assert.False(PlanOn(path, "--ioengine=psync").StaysOnStartCpu);
        Assert.False(TestJobs.Plan("--filename=ram:1m", "--ioengine=io_uring", "--iodepth=1", "--name=main").StaysOnStartCpu);
        Assert.False(File.Exists(path), "planning made the file");
    }

    [Fact]
    public void TheStartCpuIsKeptUnlessAnotherColocatedJobHoldsIt()
    {
        Assert.Equal(1, StartCpu.Choose(1, [0, 1], new Dictionary<int, int>()));
        Assert.Equal(0, StartCpu.Choose(1, [0, 1], new Dictionary<int, int> { [1] = 1 }));
        Assert.Equal(1, StartCpu.Choose(1, [0, 1], new Dictionary<int, int> { [0] = 1, [1] = 1 }));
        Assert.Equal(2, StartCpu.Choose(5, [2, 3], new Dictionary<int, int>())); // current CPU not allowed
    }

    [SkippableFact]
    public void TwoDepthOneJobsRunOnTwoCpusWhenTheProcessHasThem()
    {
        using ZramDevice zram = Requires.Available(ZramDevice.TryCreate(16 << 20, out string reason), reason);
        IReadOnlyList<JobResult> results = RunGroup([$"--filename={zram.Path}", "--rw=randread", "--direct=1", "--ioengine=io_uring", "--iodepth=1",
            "--runtime=100ms", "--time_based", "--numjobs=2", "--name=main"]);

        Assert.All(results, r => Assert.Single(r.Cpus!));
        if (CpuAffinity.GetForCurrentThread().Length > 1)
        {
            Assert.NotEqual(results[0].Cpus![0], results[1].Cpus![0]);
        }
    }

    [SkippableFact]
    public void WithColocationOffTheJobKeepsEveryCpu()
    {
        using ZramDevice zram = Requires.Available(ZramDevice.TryCreate(16 << 20, out string reason), reason);
        JobResult result = Assert.Single(RunGroup([$"--filename={zram.Path}", "--rw=randread", "--direct=1", "--ioengine=io_uring", "--iodepth=1",
            "--runtime=50ms", "--time_based", "--colocate_depth1=0", "--name=main"]));

        Assert.Equal(CpuAffinity.GetForCurrentThread(), result.Cpus);
    }

    [SkippableFact]
    public void TheIoWorkerOfADepthOneJobRunsOnTheJobsCpu()
    {
        using ZramDevice zram = Requires.Available(ZramDevice.TryCreate(16 << 20, out string reason), reason);
        IReadOnlyList<JobResult>? results = null;
        // Threads of their own, not the pool's: the watcher must look while the job runs, and
        // the pool may be busy with other tests for longer than the job lasts.
        var job = new Thread(() => results = RunGroup([$"--filename={zram.Path}", "--rw=randread", "--direct=1", "--ioengine=io_uring",
            "--iodepth=1", "--runtime=600ms", "--time_based", "--name=colocated"]));
        job.Start();
        // Only this job's workers: io-wq names a worker after the task whose ring made it
        // (iou-wrk-<tid>), and other tests' rings in this process have workers of their own.
        var jobTids = new HashSet<string>();
        var workerCpus = new HashSet<string>();
        var seen = new HashSet<string>();
        while (job.IsAlive)
        {
            foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                string? comm = TryRead($"{task}/comm")?.TrimEnd('\n');
                seen.Add(comm ?? "?");
                if (comm?.StartsWith("pinio job colo", StringComparison.Ordinal) == true)
                {
                    jobTids.Add(Path.GetFileName(task));
                }
                else if (comm?.StartsWith("iou-wrk-", StringComparison.Ordinal) == true && jobTids.Contains(comm["iou-wrk-".Length..])
                    && TryRead($"{task}/status") is { } status)
                {
                    workerCpus.Add(status.Split('\n').First(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))["Cpus_allowed_list:".Length..].Trim());
                }
            }
            Thread.Sleep(10);
        }
        job.Join();
        JobResult result = Assert.Single(results!);

        Assert.True(result.Stats.TotalIos > 0);
        string jobCpu = Assert.Single(result.Cpus!).ToString(System.Globalization.CultureInfo.InvariantCulture);
        // zram's reads go to io-wq: no worker means the premise broke, not the placement.
        Assert.True(workerCpus.Count > 0, $"no io-wq worker was seen; the process's threads: {string.Join(", ", seen)}");
        Assert.All(workerCpus, cpus => Assert.Equal(jobCpu, cpus));
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null; // the thread exited meanwhile
        }
    }

    private static IReadOnlyList<JobResult> RunGroup(string[] options) =>
        JobGroup.Run(JobPlan.Resolve(CommandLineJobs.Parse(options, MainJob.Options())), CancellationToken.None);
}
