using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// serialize_overlap: a device may finish overlapping I/Os in any order, so with the option (and
/// always when pinio verifies) no I/O is submitted while one in flight overlaps it where it
/// matters. Seen from the device: random writes over 16 blocks at depth 16 on a RAM disk whose
/// completion thread is slow.
/// </summary>
public sealed class SerializeOverlapTests : PinBalancedTest
{
    [Theory]
    [InlineData("--serialize_overlap=1")]
    [InlineData("--verify=crc32c")]
    public void NoWriteIsSubmittedWhileAnOverlappingIoIsInFlight(string option)
    {
        Assert.Equal(0, OverlapsSeen(option));
    }

    [Fact]
    public void WithoutTheOptionOverlappingWritesAreInFlightTogether()
    {
        // The check above can fail: the same job unserialized puts overlapping writes in flight.
        Assert.True(OverlapsSeen("--serialize_overlap=0") > 0);
    }

    private static int OverlapsSeen(string option)
    {
        JobPlan plan = TestJobs.Plan("--filename=ram:64k", "--rw=randwrite", "--bs=4k", "--norandommap", "--iodepth=16", "--ioengine=io_uring",
            "--io_size=2m", "--time_based=0", "--runtime=0", "--randseed=3", option);
        var inFlight = new List<(Bio Bio, long Start, long End)>();
        int overlaps = 0;
        JobResult result = TestJobs.Run(plan, disk =>
        {
            // A slow device: the completion thread lags the submitter, so writes stay in flight.
            disk.FaultInjector = _ =>
            {
                Thread.SpinWait(20_000);
                return BlkStatus.Ok;
            };
            disk.OnSubmit = bio => Watch(bio);
        });
        void Watch(Bio bio)
        {
            if (bio.Op != BioOp.Write)
            {
                return;
            }
            // Bios are pooled: a completed one may come back as this one.
            inFlight.RemoveAll(e => e.Bio.IsCompleted || ReferenceEquals(e.Bio, bio));
            long start = bio.Position;
            long end = start + bio.Size;
            overlaps += inFlight.Count(e => e.Start < end && start < e.End);
            inFlight.Add((bio, start, end));
        }
        Assert.Equal(0, result.Error);
        Assert.Equal(512, result.Stats.Write.TotalIos);
        return overlaps;
    }
}
