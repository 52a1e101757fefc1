using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Report;
using PinIo.Cli.Runner;
using PinIo.Cli.Runner.Engines;
using PinIo.Cli.Stats;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// pinio's buffered I/O on a Volume file (direct=0 on vol:/volram:): the job goes through the
/// Volume's page cache and pins nothing; fio's invalidate, fadvise_hint, end_fsync and
/// fsync_on_close; the pins section's page-cache counters.
/// </summary>
public sealed class VolumeBufferedJobTests : PinBalancedTest
{
    [Fact]
    public void DirectZeroOnAVolram_GoesThroughThePageCache_AndPinsNothing()
    {
        // Before: direct=0 on a Volume ran the file's Direct I/O, one pin per 4 KiB read.
        JobResult r = RunOne("--direct=0", "--rw=randread", "--size=4m", "--io_size=16m");

        Assert.True(r.Error == 0, r.ErrorText);
        Assert.Equal(0, r.Pins.Acquired);
        CacheCounts cache = Assert.NotNull(r.Pins.Cache);
        // Page-aligned 4 KiB reads: one page looked up per read, a hit or a miss.
        Assert.Equal(r.Stats.TotalIos, cache.Hits + cache.Misses);
        Assert.True(cache.Hits > cache.Misses, $"hits={cache.Hits} misses={cache.Misses}: 16 MiB of reads over 4 MiB should mostly hit");
    }

    [Fact]
    public void DirectOneOnAVolram_PinsItsBuffers_AndLooksNothingUpInTheCache()
    {
        JobResult r = RunOne("--direct=1", "--rw=randread", "--size=4m", "--io_size=4m");

        Assert.True(r.Error == 0, r.ErrorText);
        Assert.Equal(r.Stats.TotalIos, r.Pins.Acquired);
        CacheCounts cache = Assert.NotNull(r.Pins.Cache);
        Assert.Equal(0, cache.Hits + cache.Misses);
    }

    [Fact]
    public void AVerifiedBufferedMix_ReadsBackWhatItWrote()
    {
        JobResult r = RunOne("--direct=0", "--rw=randrw", "--size=4m", "--io_size=8m", "--verify=crc32c", "--iodepth=4");

        Assert.True(r.Error == 0, r.ErrorText);
        Assert.Equal(0, r.VerifyMismatches);
        Assert.Equal(0, r.Pins.Acquired);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("0", false)]
    public void Invalidate_DropsTheFilesCachedPagesBeforeTheJob(string invalidate, bool missesAgain)
    {
        // A first job reads the file into the cache; the second reads it again.
        IReadOnlyList<JobResult> results = RunJobs(
            ["--direct=0", "--rw=read", "--size=4m", "--filename=volram:32m:data"],
            ["--name=warm"],
            ["--name=again", "--stonewall", $"--invalidate={invalidate}"]);

        CacheCounts again = Assert.NotNull(results[1].Pins.Cache);
        Assert.True(results[1].Error == 0, results[1].ErrorText);
        Assert.Equal(missesAgain, again.Misses > 0);
        Assert.True(again.Hits + again.Misses >= (4 << 20) / 4096);
    }

    [Theory]
    [InlineData("randread", "1", "Random")]
    [InlineData("read", "1", "Sequential")]
    [InlineData("randread", "normal", "Normal")]
    [InlineData("read", "0", "None")]
    public void FadviseHint_ResolvesAgainstTheJobsPattern(string rw, string hint, string resolved)
    {
        FadviseHint expected = Enum.Parse<FadviseHint>(resolved);
        JobPlan plan = TestJobs.Plan("--filename=volram:32m:data", "--size=4m", "--direct=0", $"--rw={rw}", $"--fadvise_hint={hint}");

        Assert.Equal(expected, Assert.IsType<VolumeTarget>(plan.Target).Hint);
    }

    /// <summary>fadvise_hint reaches the file's read-ahead: a sequential reader told "random" reads no page ahead; by its pattern it reads ahead.</summary>
    [Theory]
    [InlineData("random", false)]
    [InlineData("1", true)]
    public void FadviseHint_ReachesTheFilesReadahead(string hint, bool readsAhead)
    {
        JobResult r = RunOne("--direct=0", "--rw=read", "--size=4m", $"--fadvise_hint={hint}");

        Assert.True(r.Error == 0, r.ErrorText);
        CacheCounts cache = Assert.NotNull(r.Pins.Cache);
        Assert.Equal(readsAhead, cache.ReadaheadPages > 0);
    }

    [Fact]
    public void EndFsync_WritesBackTheBufferedWrites_WithinTheJobsTime()
    {
        JobResult r = RunJobs(["--filename=volram:128m:data", "--direct=0", "--rw=write", "--bs=1m", "--size=32m", "--end_fsync=1"], ["--name=main"])[0];

        Assert.True(r.Error == 0, r.ErrorText);
        Assert.Equal(1, r.Flushes);
        CacheCounts cache = Assert.NotNull(r.Pins.Cache);
        Assert.True(cache.WritebackPages >= (32 << 20) / 4096, $"writeback={cache.WritebackPages}");
        // fio counts end_fsync in the runtime: the flush lies inside it (the runtime is whole milliseconds).
        long flushMs = r.Stats.SyncLat.Max / 1_000_000;
        Assert.True(r.Stats.Write.RuntimeMs >= flushMs, $"runtime {r.Stats.Write.RuntimeMs} ms, the flush alone {flushMs} ms");
    }

    [Theory]
    [InlineData("1", 0)]
    [InlineData("0", 1)]
    public void FsyncOnClose_WritesBackAfterTheMeasuredTime_WithoutASyncLatency(string fsyncOnClose, int dirtyLeft)
    {
        JobPlan plan = TestJobs.Plan("--filename=volram:32m:data", "--size=4m", "--direct=0", "--rw=write", $"--fsync_on_close={fsyncOnClose}");
        // No background flusher: on a loaded machine it wrote the pages back during a slow job, and the test saw none dirty.
        using MountedVolume volume = MountedVolume.Mount((VolumeTarget)plan.Target, 0, Timeout.InfiniteTimeSpan);
        JobResult r;
        using (var runner = new JobRunner(plan, volume.OpenFile((VolumeTarget)plan.Target), volume.Device))
        {
            runner.Prepare(CancellationToken.None);
            r = runner.Run(CancellationToken.None);
        }

        Assert.True(r.Error == 0, r.ErrorText);
        Assert.Equal(0, r.Flushes);
        Assert.Equal(dirtyLeft, Math.Sign(volume.Volume.PageCacheStats.DirtyBytes));
    }

    [Fact]
    public void ThePinsLine_ShowsAVolumesCacheCounters_AndOtherTargetsKeepTheirs()
    {
        var pins = new PinCounts(0, 0, false, 0, 0);

        string withCache = NormalReport.PinsText(pins with { Cache = new CacheCounts(90, 10, 4, 7, 3) }, 100);

        Assert.Contains("page cache hits=90 misses=10 (90.00% hits) readahead=4 writeback=7 stable_copies=3", withCache, StringComparison.Ordinal);
        Assert.DoesNotContain("page cache", NormalReport.PinsText(pins, 100), StringComparison.Ordinal);
    }

    [Fact]
    public void TheJsonPins_HoldAVolumesPageCache()
    {
        var stdout = new StringWriter();
        int status = TestJobs.WithoutPinOwnerStacks(() => PinIo.Cli.Program.Run(
            ["--name=j", "--filename=volram:32m:data", "--size=4m", "--direct=0", "--rw=randread", "--io_size=4m", "--output-format=json"], stdout, new StringWriter()));

        Assert.Equal(0, status);
        using var json = System.Text.Json.JsonDocument.Parse(stdout.ToString());
        System.Text.Json.JsonElement cache = json.RootElement.GetProperty("jobs")[0].GetProperty("pins").GetProperty("page_cache");
        Assert.Equal(1024, cache.GetProperty("hits").GetInt64() + cache.GetProperty("misses").GetInt64());
        Assert.True(cache.GetProperty("misses").GetInt64() > 0);
        Assert.Equal(0, cache.GetProperty("stable_copies").GetInt64());
    }

    private static JobResult RunOne(params string[] options) =>
        RunJobs(["--filename=volram:32m:data", .. options], ["--name=main"])[0];

    private static IReadOnlyList<JobResult> RunJobs(string[] global, params string[][] jobs)
    {
        IReadOnlyList<JobPlan> plans = JobPlan.Resolve(CommandLineJobs.Parse([.. global, .. jobs.SelectMany(j => j)], MainJob.Options()));
        return TestJobs.WithoutPinOwnerStacks(() => JobGroup.Run(plans, CancellationToken.None));
    }
}
