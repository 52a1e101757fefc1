using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Cli;

/// <summary>
/// The runner's steady state allocates nothing per I/O: two size-bound runs that differ only in
/// their number of I/Os allocate the same on the job thread. Measured with the RAM disk
/// completing inline, so that the whole I/O (runner, DirectIo, the disk) runs on this thread.
/// </summary>
public sealed class AllocationTests(ITestOutputHelper output) : PinBalancedTest
{
    [Fact]
    public void TheRunnerAllocatesNothingPerIoWithPoolPages()
    {
        double perIo = AllocatedPerIo("--fixedbufs");
        output.WriteLine($"fixedbufs, inline completion: {perIo:F3} bytes per I/O");
        AssertNoObjectPerIo(perIo);
    }

    [Fact]
    public void TheRunnerAllocatesNothingPerIoWithVerification()
    {
        double perIo = AllocatedPerIo("--fixedbufs", "--rw=randwrite", "--verify=crc32c", "--do_verify=0");
        output.WriteLine($"fixedbufs, randwrite with crc32c headers: {perIo:F3} bytes per I/O");
        AssertNoObjectPerIo(perIo);
    }

    [Fact]
    public void TheRunnerAllocatesNothingPerIoWithMixedBlockSizes()
    {
        double perIo = AllocatedPerIo("--fixedbufs", "--rw=randrw", "--bssplit=4k/50:8k/30:16k/20,64k", "--norandommap", "--verify=crc32c", "--do_verify=0");
        output.WriteLine($"fixedbufs, randrw with bssplit reads, 64k writes and crc32c headers: {perIo:F3} bytes per I/O");
        AssertNoObjectPerIo(perIo);
    }

    [Fact]
    public void TheRunnerAllocatesNothingPerIoWithRateAndThinktime()
    {
        double perIo = AllocatedPerIo("--fixedbufs", "--rate_iops=400000", "--thinktime=1", "--thinktime_blocks=512", "--ratemin=1k");
        AssertNoObjectPerIo(perIo);
    }

    [Fact]
    public void TheRunnerAllocatesNothingPerIoWithEveryLogOn()
    {
        string directory = Directory.CreateTempSubdirectory("pinio-alloc-logs-").FullName;
        try
        {
            string prefix = Path.Combine(directory, "job");
            string[] logs = ["--fixedbufs", "--rw=randrw", $"--write_lat_log={prefix}", $"--write_bw_log={prefix}", $"--write_iops_log={prefix}", "--log_offset=1"];
            double perIo = AllocatedPerIo(logs);
            double perIoWindowed = AllocatedPerIo([.. logs, "--log_avg_msec=1", "--log_max_value=2"]);
            output.WriteLine($"fixedbufs, randrw, every log a line per I/O: {perIo:F3} bytes per I/O; in 1 ms windows: {perIoWindowed:F3}");
            AssertNoObjectPerIo(perIo);
            AssertNoObjectPerIo(perIoWindowed);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void WhatTheLibraryAllocatesPerIoIsShown()
    {
        // Pinning managed memory goes through PinIo's Gup, which allocates per pin (a GC anchor),
        // and a RamDisk that completes on a worker queues a thread-pool item per bio from the
        // submitting thread: measured and shown, not asserted, since they are the library's costs.
        // Pin-owner stacks (which the test base records) are off for the measurement only.
        bool recording = PinIo.Mm.PinStats.RecordPinOwners;
        PinIo.Mm.PinStats.RecordPinOwners = false;
        try
        {
            output.WriteLine($"managed buffers, inline completion: {AllocatedPerIo():F1} bytes per I/O");
            output.WriteLine($"fixedbufs, completion on a RAM-disk worker: {AllocatedPerIo("--fixedbufs", "--ioengine=io_uring", "--iodepth=8"):F1} bytes per I/O");
        }
        finally
        {
            PinIo.Mm.PinStats.RecordPinOwners = recording;
        }
    }

    /// <summary>
    /// The smallest object is 24 bytes, so under one byte per I/O over thousands of I/Os means no
    /// object per I/O; the slack absorbs the per-run reading of /proc, whose size follows the
    /// number of threads alive.
    /// </summary>
    private static void AssertNoObjectPerIo(double bytesPerIo) =>
        Assert.True(bytesPerIo < 1.0, $"the runner allocated {bytesPerIo:F2} bytes per I/O in its steady state");

    /// <summary>
    /// The least of three measurements: an allocation per I/O shows in every one, while a
    /// one-off on the job thread (a method tiering up in the middle of the longer run, when the
    /// machine is loaded) shows in one at most.
    /// </summary>
    private static double AllocatedPerIo(params string[] extra)
    {
        string[] common = ["--filename=ram:8m", "--rw=randread", "--bs=4k", "--ioengine=psync", "--iodepth=1", "--time_based=0", "--runtime=0"];
        common = [.. common, .. extra];
        Measure([.. common, "--loops=1"]);
        double least = double.MaxValue;
        for (int attempt = 0; attempt < 3 && least >= 1.0; attempt++)
        {
            (long smallBytes, long smallIos) = Measure([.. common, "--loops=1"]);
            (long largeBytes, long largeIos) = Measure([.. common, "--loops=5"]);
            least = Math.Min(least, (double)(largeBytes - smallBytes) / (largeIos - smallIos));
        }
        return least;
    }

    private static (long Bytes, long Ios) Measure(string[] options)
    {
        var plan = TestJobs.Plan(options);
        using var disk = (PinIo.Devices.RamDisk)plan.Target.Open(0);
        using var runner = new JobRunner(plan, disk);
        runner.Prepare(CancellationToken.None);
        long before = GC.GetAllocatedBytesForCurrentThread();
        JobResult result = runner.Run(CancellationToken.None);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return (allocated, result.Stats.TotalIos);
    }
}
