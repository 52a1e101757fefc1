using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>What fio's options do to the I/O a job issues, seen at the RAM disk: offsets, sizes, directions, termination.</summary>
public sealed class OptionSemanticsTests : PinBalancedTest
{
    private static readonly string[] s_sizeBound = ["--time_based=0", "--runtime=0", "--ioengine=psync", "--iodepth=1"];

    [Fact]
    public void RandomReadOffsetsRepeatWithRandrepeatAndDifferWithAnotherSeed()
    {
        string[] job = ["--filename=ram:1m", "--rw=randread", "--randrepeat=1", "--fixedbufs", .. s_sizeBound];

        long[] first = ReadPositions(job);
        long[] second = ReadPositions(job);
        long[] otherSeed = ReadPositions([.. job, "--randseed=1234"]);

        Assert.Equal(256, first.Length);
        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
        // The random map: one pass visits every block once, in a different order per seed.
        Assert.Equal(Enumerable.Range(0, 256).Select(i => i * 4096L), first.Order());
        Assert.Equal(first.Order(), otherSeed.Order());
    }

    [Fact]
    public void WithoutRandrepeatTheOffsetsChangeFromRunToRun()
    {
        string[] job = ["--filename=ram:1m", "--rw=randread", "--randrepeat=0", "--fixedbufs", .. s_sizeBound];

        Assert.NotEqual(ReadPositions(job), ReadPositions(job));
    }

    [Fact]
    public void RwmixwriteGivesTheWriteShareOfAMixedJob()
    {
        JobResult result = TestJobs.Run(["--filename=ram:4m", "--rw=randrw", "--rwmixwrite=30", "--loops=4", "--fixedbufs", .. s_sizeBound]);

        long total = result.Stats.TotalIos;
        Assert.Equal(4096, total);
        Assert.InRange(result.Stats.Read.TotalIos, total * 65 / 100, total * 75 / 100);
    }

    [Fact]
    public void BssplitSharesTheIosAmongItsBlockSizes()
    {
        (JobResult result, var bios) = TestJobs.RunRecording(
            ["--filename=ram:8m", "--rw=randwrite", "--bssplit=4k/50:64k/40:1m/10", "--norandommap", "--io_size=160m", "--fixedbufs", .. s_sizeBound]);

        int[] sizes = [.. bios.Where(b => b.Op == BioOp.Write).Select(b => b.Size)];
        Assert.InRange(sizes.Length, 1000, 1500);
        Assert.All(sizes, s => Assert.Contains(s, new[] { 4096, 65536, 1 << 20 }));
        Assert.InRange(Share(sizes, 4096), 0.45, 0.55);
        Assert.InRange(Share(sizes, 65536), 0.35, 0.45);
        Assert.InRange(Share(sizes, 1 << 20), 0.06, 0.14);
        Assert.Equal(sizes.Sum(s => (long)s), result.Stats.Write.IoBytes);
        Assert.Equal(sizes.Length, result.Stats.Write.TotalIos);
    }

    [Fact]
    public void BssplitDrawsFollowThePercentages()
    {
        var picker = new BlockSizePicker(BlockSizeSpec.FromSplit([new(4096, 50), new(65536, 40), new(1 << 20, 10)]), seed: 7);

        int[] sizes = [.. Enumerable.Range(0, 100_000).Select(_ => picker.Next())];

        Assert.InRange(Share(sizes, 4096), 0.49, 0.51);
        Assert.InRange(Share(sizes, 65536), 0.39, 0.41);
        Assert.InRange(Share(sizes, 1 << 20), 0.09, 0.11);
    }

    [Fact]
    public void BsrangeDrawsMultiplesOfTheSmallestSize()
    {
        var picker = new BlockSizePicker(new BlockSizeSpec(1024, 4096, null), seed: 3);

        int[] sizes = [.. Enumerable.Range(0, 10_000).Select(_ => picker.Next())];

        Assert.Equal([1024, 2048, 3072, 4096], sizes.Distinct().Order());
    }

    [Fact]
    public void BsWithTwoValuesGivesReadsAndWritesTheirOwnSize()
    {
        JobResult result = TestJobs.Run(["--filename=ram:4m", "--rw=randrw", "--bs=4k,64k", "--io_size=8m", "--fixedbufs", .. s_sizeBound]);

        Assert.Equal(4096, result.Stats.Read.IoBytes / result.Stats.Read.TotalIos);
        Assert.Equal(65536, result.Stats.Write.IoBytes / result.Stats.Write.TotalIos);
    }

    [Fact]
    public void ASizeBoundJobStopsAtTheRuntimeWhenThatComesFirst()
    {
        JobResult result = TestJobs.Run("--filename=ram:256m", "--rw=randwrite", "--runtime=20ms", "--time_based=0", "--ioengine=psync", "--fixedbufs");

        Assert.InRange(result.Stats.Write.IoBytes, 1, (256L << 20) - 1);
    }

    [Fact]
    public void ATimeBasedJobWrapsAroundItsRegionUntilTheRuntime()
    {
        JobResult result = TestJobs.Run("--filename=ram:64k", "--rw=read", "--runtime=50ms", "--time_based", "--ioengine=psync", "--fixedbufs");

        Assert.True(result.Stats.Read.IoBytes > 64 * 1024);
    }

    [Theory]
    [InlineData("read", 3)]
    [InlineData("randwrite", 2)]
    public void LoopsRepeatTheRegion(string rw, int loops)
    {
        JobResult result = TestJobs.Run(["--filename=ram:1m", $"--rw={rw}", $"--loops={loops}", "--fixedbufs", .. s_sizeBound]);

        Assert.Equal(256L * loops, result.Stats.TotalIos);
    }

    [Fact]
    public void IoSizeAboveSizeWrapsTheRegion()
    {
        JobResult result = TestJobs.Run(["--filename=ram:1m", "--rw=write", "--io_size=3m", "--fixedbufs", .. s_sizeBound]);

        Assert.Equal(3L << 20, result.Stats.Write.IoBytes);
    }

    [Fact]
    public void ASequentialSkipLeavesHolesAndEndsThePassAtTheEnd()
    {
        (JobResult result, var bios) = TestJobs.RunRecording(["--filename=ram:64k", "--rw=read:4k", "--bs=4k", .. s_sizeBound]);

        Assert.Equal(Enumerable.Range(0, 8).Select(i => i * 8192L), bios.Select(b => b.Position));
        Assert.Equal(8, result.Stats.Read.TotalIos);
    }

    [Fact]
    public void ARandomJobWithACountRunsThatManyIosInSequence()
    {
        (_, var bios) = TestJobs.RunRecording(["--filename=ram:4m", "--rw=randread:4", "--norandommap", "--io_size=400k", "--fixedbufs", .. s_sizeBound]);

        long[] positions = [.. bios.Select(b => b.Position)];
        Assert.Equal(100, positions.Length);
        for (int i = 0; i < positions.Length; i++)
        {
            if (i % 4 != 0)
            {
                Assert.Equal(positions[i - 1] + 4096, positions[i]);
            }
        }
    }

    [Theory]
    [InlineData("zipf:1.2", 0.5)]
    [InlineData("pareto:0.9", 0.5)]
    [InlineData("normal:3", 0.5)]
    [InlineData("random", 0.0)]
    public void SkewedDistributionsSendMostIoToTheHotTenth(string distribution, double atLeast)
    {
        const long grains = 1000;
        var generator = new OffsetGenerator(grains * 4096, 4096, 4096, random: true, randomMap: false,
            ValueParsers.ParseDistribution(distribution), 0, seed: 11);

        double share = TestJobs.TopTenthShare(Enumerable.Range(0, 100_000).Select(_ => generator.Next(4096)), grains);

        if (atLeast > 0)
        {
            Assert.True(share > atLeast, $"{distribution}: the top 10% of blocks took {share:P1} of the I/O");
        }
        else
        {
            Assert.InRange(share, 0.10, 0.15);
        }
    }

    [Fact]
    public void AZipfJobConcentratesItsIoOnFewBlocks()
    {
        (_, var bios) = TestJobs.RunRecording(["--filename=ram:4m", "--rw=randread", "--random_distribution=zipf:1.1", "--io_size=40m", "--fixedbufs", .. s_sizeBound]);

        Assert.Equal(10240, bios.Count);
        Assert.True(TestJobs.TopTenthShare(bios.Select(b => b.Position), 1024) > 0.4);
    }

    [Fact]
    public void UnlinkDeletesTheJobsFileWhenTheRunEnds_WithoutItTheFileStays()
    {
        string dir = Directory.CreateTempSubdirectory("pinio-unlink").FullName;
        try
        {
            string kept = Path.Combine(dir, "kept");
            string deleted = Path.Combine(dir, "deleted");
            string[] job = ["--rw=write", "--size=1m", "--ioengine=psync", "--time_based=0", "--runtime=0"];

            Assert.Equal(0, PinIo.Cli.Program.Run([.. job, $"--name=k", $"--filename={kept}", "--name=d", $"--filename={deleted}", "--unlink=1"], new StringWriter(), new StringWriter()));

            Assert.True(File.Exists(kept));
            Assert.Equal(1 << 20, new FileInfo(kept).Length);
            Assert.False(File.Exists(deleted));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void FsyncFlushesAfterEveryNWritesAndEndFsyncOnceMore()
    {
        JobResult every8 = TestJobs.Run(["--filename=ram:1m", "--rw=write", "--fsync=8", "--fixedbufs", .. s_sizeBound]);
        JobResult withEnd = TestJobs.Run("--filename=ram:1m", "--rw=randwrite", "--fdatasync=64", "--end_fsync=1", "--iodepth=4", "--ioengine=io_uring", "--fixedbufs", "--time_based=0", "--runtime=0");

        Assert.Equal(32, every8.Flushes);
        Assert.Equal(5, withEnd.Flushes);
        Assert.Equal(0, withEnd.Error);
        Assert.Equal(32, every8.Stats.SyncLat.Samples);
        Assert.Equal(5, withEnd.Stats.SyncLat.Samples);
        Assert.Equal(5, withEnd.Stats.SyncHistogram.Count);
        Assert.True(withEnd.Stats.SyncLat.Min > 0);
    }

    [Theory]
    [InlineData(8, 4)]
    [InlineData(0, 0)]
    [InlineData(1, 16)]
    public void BatchSubmitAndCompleteMinKeepTheJobCorrect(int batchSubmit, int completeMin)
    {
        JobResult result = TestJobs.Run("--filename=ram:1m", "--rw=randread", "--ioengine=io_uring", "--iodepth=16", "--loops=2", "--fixedbufs",
            $"--iodepth_batch_submit={batchSubmit}", $"--iodepth_batch_complete_min={completeMin}", "--time_based=0", "--runtime=0");

        Assert.Equal(0, result.Error);
        Assert.Equal(512, result.Stats.Read.TotalIos);
        Assert.Equal(512, result.Stats.DepthMap.Sum());
    }

    [Theory]
    [InlineData(1, 0, 1)] // fio's default: the max is the min
    [InlineData(1, 32, 32)]
    [InlineData(8, 4, 8)] // a max below the min is raised to it
    [InlineData(0, 0, 1)] // a reap takes at least one
    [InlineData(64, 0, 16)] // the min is bounded by iodepth, and the max by the min
    public void IoDepthBatchCompleteMaxBoundsEachReap_DefaultingToTheMin(int completeMin, int completeMax, int expected)
    {
        JobPlan plan = TestJobs.Plan("--filename=ram:1m", "--rw=randread", "--ioengine=io_uring", "--iodepth=16",
            $"--iodepth_batch_complete_min={completeMin}", $"--iodepth_batch_complete_max={completeMax}");

        Assert.Equal(expected, plan.BatchCompleteMax);
    }

    [Fact]
    public void RampTimeIsNotMeasured()
    {
        JobResult result = TestJobs.Run(["--filename=ram:1m", "--rw=write", "--ramp_time=20ms", "--fixedbufs", .. s_sizeBound]);

        Assert.Equal(256, result.Stats.Write.TotalIos);
    }

    [Fact]
    public void ZeroBuffersWriteZerosAndCompressionZerosTheTailOfEveryChunk()
    {
        JobPlan zeros = TestJobs.Plan(["--filename=ram:64k", "--rw=write", "--zero_buffers", .. s_sizeBound]);
        JobPlan half = TestJobs.Plan(["--filename=ram:64k", "--rw=write", "--buffer_compress_percentage=50", .. s_sizeBound]);
        using var zeroDisk = (RamDisk)zeros.Target.Open(0);
        using var halfDisk = (RamDisk)half.Target.Open(0);
        zeroDisk.WriteRaw(0, Enumerable.Repeat((byte)0xAB, 65536).ToArray());

        TestJobs.Run(zeros, zeroDisk);
        TestJobs.Run(half, halfDisk);

        byte[] content = new byte[65536];
        zeroDisk.ReadRaw(0, content);
        Assert.All(content, b => Assert.Equal(0, b));
        halfDisk.ReadRaw(0, content);
        for (int chunk = 0; chunk < content.Length; chunk += 512)
        {
            Assert.All(content.AsSpan(chunk + 256, 256).ToArray(), b => Assert.Equal(0, b));
            Assert.Contains(content.AsSpan(chunk, 256).ToArray(), b => b != 0);
        }
    }

    [Fact]
    public void RefillBuffersGivesEveryWriteNewData()
    {
        byte[] Written(params string[] extra)
        {
            JobPlan plan = TestJobs.Plan(["--filename=ram:8k", "--rw=write", .. s_sizeBound, .. extra]);
            using var disk = (RamDisk)plan.Target.Open(0);
            TestJobs.Run(plan, disk);
            byte[] content = new byte[8192];
            disk.ReadRaw(0, content);
            return content;
        }

        byte[] once = Written();
        byte[] refilled = Written("--refill_buffers");

        // Without refill_buffers one buffer is written again, scrambled (as fio's is): one word a sector changes.
        int BytesThatDiffer(byte[] content) => Enumerable.Range(0, 4096).Count(i => content[i] != content[4096 + i]);
        Assert.InRange(BytesThatDiffer(once), 1, 4096 / 512 * sizeof(ulong));
        Assert.InRange(BytesThatDiffer(refilled), 4096 * 9 / 10, 4096);
    }

    [Fact]
    public void TheDotnetEngineRunsRandomAccessOnAFileAndPinsNothingInPinIo()
    {
        using var dir = new TempDirectory();
        string file = dir.File("dotnet.dat");
        string[] common = [$"--filename={file}", "--ioengine=dotnet", "--direct=1", "--iodepth=8", "--size=1m"];

        IReadOnlyList<JobResult> written = RunGroup([.. common, "--name=w", "--rw=randwrite", "--verify=crc32c"]);
        IReadOnlyList<JobResult> read = RunGroup([.. common, "--name=r", "--rw=randread", "--runtime=50ms", "--time_based"]);

        JobResult w = Assert.Single(written);
        Assert.Equal(0, w.Error);
        Assert.Equal((256, 256), (w.Stats.Write.TotalIos, w.Stats.Read.TotalIos));
        Assert.Equal(0, w.Pins.Acquired);
        Assert.True(Assert.Single(read).Stats.Read.TotalIos > 0);
    }

    [Fact]
    public void AFileJobOnThePolledRingMixesSizesAndVerifies()
    {
        using var dir = new TempDirectory();
        IReadOnlyList<JobResult> results = RunGroup([$"--filename={dir.File("mix.dat")}", "--size=4m", "--name=mix", "--rw=randrw", "--ioengine=io_uring",
            "--direct=1", "--iodepth=8", "--bssplit=4k/60:16k/30:64k/10", "--verify=xxhash", "--io_size=2m", "--iodepth_batch_submit=4"]);

        JobResult result = Assert.Single(results);
        Assert.Equal(0, result.Error);
        Assert.True(result.Stats.Write.TotalIos > 0 && result.Stats.Read.TotalIos > 0);
    }

    [Fact]
    public void OptionsPinioDoesNotHonourAreAcceptedWithANote()
    {
        JobPlan plan = TestJobs.Plan("--filename=ram:1m", "--sqthread_poll", "--hipri", "--registerfiles", "--thread");

        Assert.Contains(plan.Notes, n => n.StartsWith("sqthread_poll", StringComparison.Ordinal));
        Assert.Contains(plan.Notes, n => n.StartsWith("hipri", StringComparison.Ordinal));
    }

    private static long[] ReadPositions(string[] options)
    {
        (_, var bios) = TestJobs.RunRecording(options);
        return [.. bios.Where(b => b.Op == BioOp.Read).Select(b => b.Position)];
    }

    private static double Share(int[] sizes, int size) => (double)sizes.Count(s => s == size) / sizes.Length;

    private static IReadOnlyList<JobResult> RunGroup(string[] options) =>
        JobGroup.Run(JobPlan.Resolve(CommandLineJobs.Parse(options, MainJob.Options())), CancellationToken.None);
}
