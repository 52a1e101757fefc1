using System.Text.Json;
using PinIo.Cli.Report;
using PinIo.Cli.Runner;
using PinIo.Cli.Stats;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>fio's disk_util: the block devices under the jobs' files, in the three layouts.</summary>
public sealed class ReportDiskTests : PinBalancedTest
{
    private static readonly DiskUtil s_disk = new("vda", new DiskCounters(3793, 65, 30344, 15011, 7, 4, 128, 13, 990, 15024), 1000);

    [Fact]
    public void SysfsStatLinesParse()
    {
        Assert.True(DiskCounters.TryParse("    3793       65    30344    15011        7        4      128       13        0      990    15024 0 0 0 0\n", out DiskCounters c));
        Assert.Equal((3793L, 65L, 30344L, 15011L), (c.ReadIos, c.ReadMerges, c.ReadSectors, c.ReadTicks));
        Assert.Equal((7L, 4L, 128L, 13L), (c.WriteIos, c.WriteMerges, c.WriteSectors, c.WriteTicks));
        Assert.Equal((990L, 15024L), (c.IoTicks, c.TimeInQueue));
        Assert.False(DiskCounters.TryParse("1 2 3", out _));
        Assert.Equal(99.0, s_disk.UtilPercent, 9);
    }

    [Fact]
    public void DisksAppearInEachLayout()
    {
        JobResult result = TestJobs.Run("--filename=ram:4m", "--runtime=30ms");
        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build([result]);
        IReadOnlyList<GroupStats> groups = GroupStats.From(blocks);
        var context = new ReportContext { Disks = [s_disk] };

        var normal = new StringWriter();
        NormalReport.Write(normal, blocks, groups, context);
        Assert.EndsWith("\nDisk stats (read/write):\n  vda: ios=3793/7, sectors=30344/128, merge=65/4, ticks=15011/13, in_queue=15024, util=99.00%\n", normal.ToString(), StringComparison.Ordinal);

        var json = new StringWriter();
        JsonReport.Write(json, blocks, groups, context, plus: false);
        using JsonDocument doc = JsonDocument.Parse(json.ToString());
        JsonElement disk = Assert.Single(doc.RootElement.GetProperty("disk_util").EnumerateArray());
        Assert.Equal("vda", disk.GetProperty("name").GetString());
        Assert.Equal(3793, disk.GetProperty("read_ios").GetInt64());
        Assert.Equal(15024, disk.GetProperty("in_queue").GetInt64());
        Assert.Equal(99.0, disk.GetProperty("util").GetDouble(), 6);

        string terse = TerseReport.Line(blocks[0], groups[0], context);
        Assert.Equal(130, terse.Split(';').Length);
        Assert.EndsWith(";vda;3793;7;65;4;15011;13;15024;99.00%", terse, StringComparison.Ordinal);
    }

    [Fact]
    public void ARamDiskOrAMemoryFileHasNoDevice()
    {
        Assert.Null(DiskWatch.Locate("/dev/shm/pinio-no-such-file"));
        Assert.Empty(new DiskWatch([]).Finish());
    }
}
