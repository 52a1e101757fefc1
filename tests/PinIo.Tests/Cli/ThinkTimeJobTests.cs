using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>thinktime and its companions with fio's meanings: the pause after the I/O, how many blocks share a pause, and the clock that triggers one.</summary>
public sealed class ThinkTimeJobTests : PinBalancedTest
{
    [Fact]
    public void Thinktime_PausesAfterEveryIo()
    {
        JobResult result = TestJobs.Run("--filename=ram:8m", "--fixedbufs", "--rw=read", "--bs=4k", "--time_based=0", "--ioengine=psync", "--iodepth=1", "--number_ios=20", "--thinktime=10ms");

        Assert.Equal(20, result.Stats.TotalIos);
        // 20 I/Os on a RAM disk take microseconds: the job's time is the pauses'.
        Assert.True(result.RuntimeMs >= 20 * 10, $"20 I/Os with thinktime=10ms ran in {result.RuntimeMs} ms");
    }

    [Fact]
    public void Thinktime_ShowsAsTheGapBetweenCompletionsInTheClatLog()
    {
        string directory = Directory.CreateTempSubdirectory("pinio-thinktime-").FullName;
        try
        {
            string prefix = Path.Combine(directory, "think");
            JobResult result = TestJobs.Run("--filename=ram:8m", "--fixedbufs", "--rw=read", "--bs=4k", "--time_based=0", "--ioengine=psync", "--iodepth=1", "--number_ios=15", "--thinktime=10ms", $"--write_lat_log={prefix}");

            // Each line: completion time (ms since the job's start), value, direction, size, prio.
            long[] times = [.. File.ReadAllLines($"{prefix}_clat.1.log").Select(line => long.Parse(line.Split(", ")[0], System.Globalization.CultureInfo.InvariantCulture))];
            Assert.Equal(15, times.Length);
            for (int i = 1; i < times.Length; i++)
            {
                Assert.True(times[i] - times[i - 1] >= 10, $"I/O {i + 1} completed {times[i] - times[i - 1]} ms after I/O {i}, within thinktime=10ms");
            }
            Assert.Equal(0, result.Error);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Thinktime_IsInMicrosecondsWithoutAUnit()
    {
        JobResult result = TestJobs.Run("--filename=ram:8m", "--fixedbufs", "--rw=read", "--bs=4k", "--time_based=0", "--ioengine=psync", "--iodepth=1", "--number_ios=10", "--thinktime=20000");

        Assert.True(result.RuntimeMs >= 10 * 20, $"10 I/Os with thinktime=20000 (us) ran in {result.RuntimeMs} ms");
    }

    [Fact]
    public void ThinktimeBlocks_GroupsTheIosBetweenPauses()
    {
        JobResult grouped = TestJobs.Run("--filename=ram:8m", "--fixedbufs", "--rw=read", "--bs=4k", "--time_based=0", "--ioengine=psync", "--iodepth=1", "--number_ios=40", "--thinktime=20ms", "--thinktime_blocks=10");

        Assert.Equal(40, grouped.Stats.TotalIos);
        // Four pauses, not forty.
        Assert.InRange(grouped.RuntimeMs, 4 * 20, (40 * 20) - 1);
    }

    /// <summary>
    /// On a file, whose io_uring completions come from the ring (moved there while the RAM disk
    /// completed async bios on the thread pool: in a whole suite's run its 40 reads took over a
    /// second; the disk has a completion thread of its own now).
    /// </summary>
    [Fact]
    public void ThinktimeBlocksTypeIssue_CountsIssuedBlocksOnAnAsyncEngine()
    {
        using var dir = new PinIo.Tests.Linux.TempDirectory();
        var plan = TestJobs.Plan($"--filename={dir.File("t")}", "--size=8m", "--direct=1", "--rw=read", "--bs=4k", "--time_based=0", "--ioengine=io_uring", "--iodepth=8", "--number_ios=40", "--thinktime=20ms", "--thinktime_blocks=8", "--thinktime_blocks_type=issue");
        using var device = ((PinIo.Cli.Jobs.FileTarget)plan.Target).Open(0);
        JobResult result = TestJobs.Run(plan, device);

        Assert.Equal(40, result.Stats.TotalIos);
        Assert.InRange(result.RuntimeMs, 5 * 20, (40 * 20) - 1);
    }

    [Fact]
    public void ThinktimeIotime_PausesAfterThatLongOfIo_AndTheRateCatchesUpUnlessToldNotTo()
    {
        // 100 ms of I/O at 2000 IOPS, then 100 ms asleep, for 1 s: about 500 ms of it pauses.
        string[] job = ["--filename=ram:8m", "--fixedbufs", "--rw=read", "--bs=4k", "--ioengine=psync", "--iodepth=1", "--time_based", "--runtime=1s", "--thinktime=100ms", "--thinktime_iotime=100ms", "--rate_iops=2000"];
        JobResult catchingUp = TestJobs.Run(job);
        JobResult ignoring = TestJobs.Run([.. job, "--rate_ignore_thinktime=1"]);

        // Ignoring the pauses, the rate runs only between them: at most ~500 ms at 2000 IOPS.
        Assert.InRange(ignoring.Stats.TotalIos, 1, 1100);
        // By default the I/O a pause missed is issued after it (all but the last pause's: ~1800).
        Assert.True(catchingUp.Stats.TotalIos > ignoring.Stats.TotalIos * 1.3, $"catching up: {catchingUp.Stats.TotalIos} I/Os, ignoring the thinktime: {ignoring.Stats.TotalIos}");
    }
}
