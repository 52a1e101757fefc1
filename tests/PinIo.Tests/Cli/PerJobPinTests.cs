using System.Text.Json;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// Each job's pins line counts that job's own pins — taken by its thread, released wherever its
/// I/O ends — not the whole process's: with several jobs running together, one page per 4 KiB
/// I/O each, acquired equal to released at the end, and none for a job on pool memory.
/// </summary>
public sealed class PerJobPinTests : PinBalancedTest
{
    [Fact]
    public void EveryJobCountsItsOwnPins_NotTheOtherJobs()
    {
        // a: four synchronous jobs (each I/O ends on its own thread); u: two io_uring jobs whose
        // I/O ends on the RAM disk's worker threads; f: fixedbufs, pool pages, no pin per I/O.
        string[] args =
        [
            "--filename=ram:16m", "--rw=randread", "--bs=4k", "--runtime=300ms", "--time_based", "--output-format=json",
            "--name=a", "--numjobs=4",
            "--name=u", "--ioengine=io_uring", "--iodepth=8", "--numjobs=2",
            "--name=f", "--fixedbufs",
        ];
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int status = TestJobs.WithoutPinOwnerStacks(() => PinIo.Cli.Program.Run(args, stdout, stderr));

        Assert.True(status == 0, stderr.ToString());
        using JsonDocument report = JsonDocument.Parse(stdout.ToString());
        var jobs = report.RootElement.GetProperty("jobs").EnumerateArray().ToList();
        Assert.Equal(7, jobs.Count);
        foreach (JsonElement job in jobs)
        {
            string name = job.GetProperty("jobname").GetString()!;
            long ios = job.GetProperty("read").GetProperty("total_ios").GetInt64();
            JsonElement pins = job.GetProperty("pins").GetProperty("pinio");
            long acquired = pins.GetProperty("acquired").GetInt64();
            long released = pins.GetProperty("released").GetInt64();
            Assert.True(ios > 0, $"job {name} did no I/O");
            Assert.True(acquired == released, $"job {name}: acquired {acquired} != released {released}");
            // A 4 KiB block in a page-aligned buffer is one page: one pin per I/O, or none from the pool.
            long expected = name == "f" ? 0 : ios;
            Assert.True(acquired == expected, $"job {name}: {acquired} pins for {ios} I/Os ({(double)acquired / ios:0.00} per I/O), expected {expected}");
        }
    }

    [Fact]
    public void TheNormalReportShowsOnePinPerIoForEachOfFourJobs()
    {
        var stdout = new StringWriter();
        int status = TestJobs.WithoutPinOwnerStacks(() => PinIo.Cli.Program.Run(
            ["--name=x", "--filename=ram:16m", "--rw=randread", "--numjobs=4", "--runtime=300ms", "--time_based"], stdout, new StringWriter()));

        Assert.Equal(0, status);
        string[] pinLines = [.. stdout.ToString().Split('\n').Where(l => l.TrimStart().StartsWith("pins", StringComparison.Ordinal))];
        Assert.Equal(4, pinLines.Length);
        Assert.All(pinLines, line => Assert.Contains("(1.00 per I/O), kernel", line, StringComparison.Ordinal));
    }
}
