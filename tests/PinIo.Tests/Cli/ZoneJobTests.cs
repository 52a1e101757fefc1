using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// zonemode=strided and zbd, zone units and offset_increment, with fio 3.33's figures where a
/// job's I/O does not depend on its random numbers (fio and pinio draw different ones).
/// </summary>
public sealed class ZoneJobTests : PinBalancedTest
{
    private const int Kib = 1024;

    private static readonly string[] s_sizeBound = ["--time_based=0", "--runtime=0"];

    [Fact]
    public void Strided_VisitsOnlyTheZones_ZonesizeBytesEach_OnToTheTargetsEnd()
    {
        // Zones of 128k every 256k; 64k read in each; size=1m of I/O is 16 zones, the last
        // ending at the 4m target's end (fio 3.33: 256 reads, the same offsets in order).
        var (result, bios) = TestJobs.RunRecording(["--filename=ram:4m", "--rw=read", "--bs=4k", "--zonemode=strided", "--zonesize=64k", "--zonerange=128k", "--zoneskip=128k", "--size=1m", .. s_sizeBound]);

        Assert.Equal(0, result.Error);
        Assert.Equal(256, result.Stats.Read.TotalIos);
        Assert.Equal(1 << 20, result.Stats.Read.IoBytes);
        long[] reads = [.. bios.Where(b => b.Op == BioOp.Read).Select(b => b.Position)];
        Assert.Equal(256, reads.Length);
        for (int i = 0; i < reads.Length; i++)
        {
            long zone = i / 16;
            Assert.Equal((zone * 256 * Kib) + (i % 16 * 4 * Kib), reads[i]);
        }
        Assert.All(reads, at => Assert.True(at % (256 * Kib) < 64 * Kib, $"read at {at} lies outside a zone's first 64k"));
    }

    [Fact]
    public void Strided_PastTheTargetsEnd_StartsAgainAtTheOffset()
    {
        var (result, bios) = TestJobs.RunRecording(["--filename=ram:1m", "--rw=read", "--bs=4k", "--offset=256k", "--zonemode=strided", "--zonesize=64k", "--zoneskip=192k", "--size=512k", .. s_sizeBound]);

        Assert.Equal(128, result.Stats.Read.TotalIos);
        // Zones at 256k and 512k and 768k, then 256k again...: 8 zones of 64k, each of the 3 visited again.
        var byZone = bios.Where(b => b.Op == BioOp.Read).GroupBy(b => b.Position / (256 * Kib) * (256 * Kib)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<long, int> { [256 * Kib] = 48, [512 * Kib] = 48, [768 * Kib] = 32 }, byZone);
        Assert.All(bios, b => Assert.True(b.Position % (256 * Kib) < 64 * Kib));
    }

    [Fact]
    public void StridedRandom_VisitsEachZonesBlocksOnce()
    {
        var (result, bios) = TestJobs.RunRecording(["--filename=ram:1m", "--rw=randread", "--bs=4k", "--zonemode=strided", "--zonesize=64k", "--zoneskip=64k", "--size=512k", .. s_sizeBound]);

        Assert.Equal(128, result.Stats.Read.TotalIos);
        long[] reads = [.. bios.Select(b => b.Position)];
        // 8 zones at 0, 128k, ... 896k: the 16 I/Os of each zone are its 16 blocks, in some order.
        for (int zone = 0; zone < 8; zone++)
        {
            long start = zone * 128L * Kib;
            long[] inZone = [.. reads.Skip(zone * 16).Take(16).Order()];
            Assert.Equal(Enumerable.Range(0, 16).Select(b => start + (b * 4L * Kib)), inZone);
        }
    }

    [Fact]
    public void ZoneUnits_CountZonesOfZonesize_WhereverZonesizeIsWritten()
    {
        JobPlan plan = TestJobs.Plan("--filename=ram:4m", "--size=4z", "--offset=2z", "--zonemode=strided", "--zonesize=64k");

        Assert.Equal(256 * Kib, plan.Size);
        Assert.Equal(128 * Kib, plan.Offset);
        Assert.Equal("4z", plan.Options.Written.Single(kv => kv.Key == "size").Value);
    }

    [Fact]
    public void ZoneUnits_WithoutAZoneSize_AreRefusedByName()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--filename=ram:4m", "--size=8z"));

        Assert.Contains("size=8z counts zones, which needs zonesize=", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--zonemode=zbd", "needs zonesize=")]
    [InlineData("--zonemode=none --zonesize=1m", "zonemode=none and zonesize=1048576 are not compatible")]
    [InlineData("--zonemode=zbd --zonesize=64k --rw=randtrim --bs=4k", "the trim block size must be zonesize=65536")]
    [InlineData("--zonemode=zbd --zonesize=64k --rw=write --bs=128k", "bs=131072 exceeds the zone's 65536 writable bytes")]
    [InlineData("--zonemode=zbd --zonesize=64k --rw=write --verify=crc32c", "verify with zonemode=zbd is not supported")]
    [InlineData("--zonemode=zbd --zonesize=64k --rw=randwrite --job_max_open_zones=2", "job_max_open_zones needs max_open_zones")]
    [InlineData("--zonemode=zbd --zonesize=64k --zoneskip=64k", "zoneskip with zonemode=zbd is not supported")]
    [InlineData("--zonemode=strided --zonesize=64k --rw=write --verify=crc32c", "verify with zonemode=strided is not supported")]
    public void ZoneOptions_fioRefuses_OrPinioDoesNotRun_AreRefusedByName(string options, string message)
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan(["--filename=ram:1m", .. options.Split(' ')]));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zbd_OnAnEngineWithoutDiscard_IsRefusedByName()
    {
        using var dir = new TempDirectory();

        var e = Assert.Throws<OptionException>(() => TestJobs.Plan($"--filename={dir.File("z.dat")}", "--size=1m", "--zonemode=zbd", "--zonesize=64k", "--ioengine=dotnet"));

        Assert.Contains("zonemode=zbd resets zones with a discard, which ioengine=dotnet has not", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--read_beyond_wp=1", "read_beyond_wp applies to zonemode=zbd only: ignored with zonemode=none")]
    [InlineData("--zonesize=64k --max_open_zones=4", "max_open_zones applies to zonemode=zbd only: ignored with zonemode=strided")]
    [InlineData("--zonemode=zbd --zonesize=64k --zonerange=128k", "zonerange is ignored by zonemode=zbd")]
    [InlineData("--zonemode=zbd --zonesize=64k --ignore_zone_limits=1", "ignore_zone_limits: an emulated zoned device has no open-zone limit")]
    public void ZoneOptions_TheZonemodeIgnores_AreNoted(string options, string note)
    {
        JobPlan plan = TestJobs.Plan(["--filename=ram:1m", .. options.Split(' ')]);

        Assert.Contains(plan.Notes, n => n.StartsWith(note, StringComparison.Ordinal));
    }

    [Fact]
    public void ZbdRandomWrites_LandAtWritePointers_AndFullZonesAreResetByADiscard()
    {
        // 16 zones of 64k, 2m of random 4k writes over the 1m: each zone is written in order
        // from its start; a full zone is reset (discarded) and written from its start again.
        var (result, bios) = TestJobs.RunRecording(["--filename=ram:1m", "--rw=randwrite", "--bs=4k", "--iodepth=8", "--ioengine=io_uring", "--zonemode=zbd", "--zonesize=64k", "--io_size=2m", .. s_sizeBound]);

        Assert.Equal(0, result.Error);
        Assert.Equal(512, result.Stats.Write.TotalIos);
        var wp = new long[16];
        long discards = 0;
        foreach (var (op, at, size) in bios)
        {
            int zone = (int)(at / (64 * Kib));
            if (op == BioOp.Discard)
            {
                Assert.Equal((zone * 64L * Kib, 64 * Kib), (at, size));
                Assert.Equal(64 * Kib, wp[zone]);
                wp[zone] = 0;
                discards++;
                continue;
            }
            Assert.Equal(BioOp.Write, op);
            Assert.True(at % (64 * Kib) == wp[zone], $"write at {at}: zone {zone}'s write pointer is at {wp[zone]}");
            wp[zone] += size;
        }
        // The random map gives each zone 16 writes a pass: full after the first 1m, each reset once in the second.
        Assert.Equal(16, discards);
        Assert.Equal(discards, result.ZoneResets);
    }

    [Fact]
    public void ZbdMaxOpenZones_KeepsThatManyZonesPartlyWritten_AtMost()
    {
        var (result, bios) = TestJobs.RunRecording(["--filename=ram:1m", "--rw=randwrite", "--bs=4k", "--zonemode=zbd", "--zonesize=64k", "--max_open_zones=2", "--io_size=512k", .. s_sizeBound]);

        Assert.Equal(128, result.Stats.Write.TotalIos);
        var wp = new long[16];
        int mostOpen = 0;
        foreach (var (op, at, size) in bios.Where(b => b.Op == BioOp.Write))
        {
            int zone = (int)(at / (64 * Kib));
            Assert.Equal(wp[zone] % (64 * Kib), at % (64 * Kib));
            wp[zone] = (at % (64 * Kib)) + size;
            mostOpen = Math.Max(mostOpen, wp.Count(w => w is > 0 and < 64 * Kib));
        }
        Assert.Equal(2, mostOpen);
        // Without the limit, 128 random writes leave many more zones partly written.
        var (_, free) = TestJobs.RunRecording(["--filename=ram:1m", "--rw=randwrite", "--bs=4k", "--zonemode=zbd", "--zonesize=64k", "--io_size=512k", .. s_sizeBound]);
        Assert.True(free.Select(b => b.Position / (64 * Kib)).Distinct().Count() > 2);
    }

    [Theory]
    // fio 3.33 on a 256k file, rw=write bs=4k zonesize=64k: the offsets (KiB) and resets it wrote.
    [InlineData("64k", "0", "1", "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", 15)]
    [InlineData("64k", "0", "0.5", "0 0 4 0 4 0 4 0 4 0 4 0 4 0 4 0", 8)]
    [InlineData("64k", "0.5", "1", "0 4 8 12 16 20 24 28 32 36 40 44 48 52 56 60", 0)]
    public void ZbdZoneResetThreshold_ResetsEveryNthWrite_AsFio(string ioSize, string threshold, string frequency, string offsetsKib, long resets)
    {
        var (result, bios) = TestJobs.RunRecording(["--filename=ram:256k", "--rw=write", "--bs=4k", "--zonemode=zbd", "--zonesize=64k", $"--io_size={ioSize}",
            $"--zone_reset_threshold={threshold}", $"--zone_reset_frequency={frequency}", .. s_sizeBound]);

        Assert.Equal(offsetsKib, string.Join(' ', bios.Where(b => b.Op == BioOp.Write).Select(b => b.Position / Kib)));
        Assert.Equal(resets, result.ZoneResets);
        Assert.Equal(resets, bios.Count(b => b.Op == BioOp.Discard));
    }

    [Fact]
    public void ZbdResets_AreReportedAfterEachDirection_OfJobsThatCountThem()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        // 1024 writes, each after the first resetting its zone: long enough to have a runtime, so a line.
        int status = PinIo.Cli.Program.Run(["--filename=ram:256k", "--rw=write", "--bs=4k", "--io_size=4m",
            "--name=z", "--zonemode=zbd", "--zonesize=64k", "--zone_reset_threshold=0", "--zone_reset_frequency=1", "--name=plain"], stdout, stderr);

        Assert.True(status == 0, stderr.ToString());
        string report = stdout.ToString();
        Assert.Contains("plain: (groupid=0", report, StringComparison.Ordinal);
        string resets = Assert.Single(report.Split('\n'), l => l.Contains("zone resets", StringComparison.Ordinal));
        Assert.StartsWith("  write: IOPS=", resets, StringComparison.Ordinal);
        Assert.EndsWith("msec); 1023 zone resets", resets, StringComparison.Ordinal);
    }

    [Fact]
    public void ZbdReads_StopAtTheWritePointer_UnlessReadBeyondWp_AsFio()
    {
        // fio 3.33 ran this file on a 16 MiB file: w 6291456/96, r 6291456/96, rr 8388608/128, rbw 16777216/256.
        string[] job =
        [
            "--filename=ram:16m", "--zonemode=zbd", "--zonesize=4m", "--size=4z", "--bs=64k", "--time_based=0", "--runtime=0",
            "--name=w", "--rw=write", "--io_size=6m",
            "--name=r", "--stonewall", "--rw=read",
            "--name=rr", "--stonewall", "--rw=randread", "--io_size=8m",
            "--name=rbw", "--stonewall", "--rw=read", "--read_beyond_wp=1",
        ];
        IReadOnlyList<JobResult> results = JobGroup.Run(JobPlan.Resolve(CommandLineJobs.Parse(job, MainJob.Options())), CancellationToken.None);

        Assert.Equal([6L << 20, 6L << 20, 8L << 20, 16L << 20], results.Select(r => r.Stats.Read.IoBytes + r.Stats.Write.IoBytes));
        Assert.Equal([96L, 96, 128, 256], results.Select(r => r.Stats.Read.TotalIos + r.Stats.Write.TotalIos));
    }

    [Fact]
    public void ZbdReads_OfEmptyZones_EndTheJobAtOnce()
    {
        JobResult result = TestJobs.Run(["--filename=ram:1m", "--rw=read", "--bs=4k", "--zonemode=zbd", "--zonesize=64k", .. s_sizeBound]);

        Assert.Equal(0, result.Error);
        Assert.Equal(0, result.Stats.Read.TotalIos);
    }

    [Fact]
    public void ZbdMixedJob_WritesBeforeItReads()
    {
        var (result, bios) = TestJobs.RunRecording(["--filename=ram:1m", "--rw=randrw", "--rwmixread=90", "--bs=4k", "--zonemode=zbd", "--zonesize=64k", "--io_size=256k", .. s_sizeBound]);

        Assert.Equal(BioOp.Write, bios[0].Op);
        Assert.True(result.Stats.Read.TotalIos > 0);
    }

    [Fact]
    public void ZbdRandtrim_ResetsZonesHoldingData_ThenEnds()
    {
        string[] job =
        [
            "--filename=ram:256k", "--zonemode=zbd", "--zonesize=64k", "--time_based=0", "--runtime=0",
            "--name=w", "--rw=write", "--bs=4k", "--io_size=160k",
            "--name=t", "--stonewall", "--rw=randtrim", "--bs=64k",
            "--name=r", "--stonewall", "--rw=read", "--bs=4k",
        ];
        IReadOnlyList<JobResult> results = JobGroup.Run(JobPlan.Resolve(CommandLineJobs.Parse(job, MainJob.Options())), CancellationToken.None);

        // Three zones held data (64k, 64k, 32k): three trims of a zone each, then nothing is left to read.
        Assert.Equal(3, results[1].Stats.Trim.TotalIos);
        Assert.Equal(3 * 64 * Kib, results[1].Stats.Trim.IoBytes);
        Assert.Equal(0, results[2].Stats.Read.TotalIos);
    }

    [Fact]
    public void OffsetIncrement_MovesEachCloneOn()
    {
        IReadOnlyList<JobPlan> plans = JobPlan.Resolve(CommandLineJobs.Parse(["--filename=ram:4m", "--size=1m", "--numjobs=3", "--offset=64k", "--offset_increment=1m"], MainJob.Options()));

        Assert.Equal([64L * Kib, (1 << 20) + (64L * Kib), (2 << 20) + (64L * Kib)], plans.Select(p => p.Offset));
    }

    [Fact]
    public void OffsetIncrement_SizesANewFile_ForEachClonesRegion()
    {
        using var dir = new TempDirectory();
        string file = dir.File("inc.dat");

        IReadOnlyList<JobPlan> plans = JobPlan.Resolve(CommandLineJobs.Parse([$"--filename={file}", "--size=1m", "--numjobs=3", "--offset_increment=1m", "--rw=write"], MainJob.Options()));

        Assert.Equal([0L, 1L << 20, 2L << 20], plans.Select(p => p.Offset));
        Assert.Equal(3L << 20, plans[2].Target.Capacity);
        Assert.Equal("1m", plans[2].Options.Written.Single(kv => kv.Key == "offset_increment").Value);
    }

    [Fact]
    public void OffsetIncrement_InPercentOrZones_IsAlignedOrCounted()
    {
        IReadOnlyList<JobPlan> percent = JobPlan.Resolve(CommandLineJobs.Parse(["--filename=ram:1000k", "--size=100k", "--numjobs=2", "--offset_increment=10%", "--offset_align=64k"], MainJob.Options()));
        IReadOnlyList<JobPlan> zones = JobPlan.Resolve(CommandLineJobs.Parse(["--filename=ram:4m", "--size=1z", "--numjobs=2", "--zonemode=zbd", "--zonesize=1m", "--offset_increment=2z"], MainJob.Options()));

        // 10% of 1000k is 100k, aligned up to 128k.
        Assert.Equal([0L, 128 * Kib], percent.Select(p => p.Offset));
        Assert.Equal([0L, 2L << 20], zones.Select(p => p.Offset));
    }

    [Fact]
    public void OffsetIncrement_PastTheEnd_IsRefusedNamingIt()
    {
        var e = Assert.Throws<OptionException>(() => JobPlan.Resolve(CommandLineJobs.Parse(["--filename=ram:1m", "--numjobs=2", "--offset_increment=1m"], MainJob.Options())));

        Assert.Contains("lies past the end of the 1048576-byte target (offset + 1 x offset_increment)", e.Message, StringComparison.Ordinal);
    }
}
