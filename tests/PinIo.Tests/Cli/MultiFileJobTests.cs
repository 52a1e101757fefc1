using System.Text.Json;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>nrfiles, filename=a:b, filesize, file_service_type, filename_format, create_on_open, allow_file_create, fallocate: fio's meanings for a job with several files.</summary>
public sealed class MultiFileJobTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Roundrobin_VisitsTheFilesInOrder_OneIoEach_AndEqually()
    {
        int[] files = Files(1024, "--nrfiles=4", "--size=1m", "--rw=randwrite");

        Assert.Equal([0, 1, 2, 3, 0, 1, 2, 3], files[..8]);
        Assert.All(Counts(files, 4), count => Assert.Equal(256, count));
    }

    [Fact]
    public void RoundrobinWithN_SwitchesAfterEveryNIos()
    {
        int[] files = Files(24, "--nrfiles=3", "--size=3m", "--file_service_type=roundrobin:4");

        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0], files[..16]);
    }

    [Fact]
    public void Sequential_FinishesEachFileBeforeTheNext()
    {
        // 1 MiB over 4 files: 64 blocks of 4 KiB each.
        int[] files = Files(256, "--nrfiles=4", "--size=1m", "--file_service_type=sequential");

        for (int i = 0; i < files.Length; i++)
        {
            Assert.Equal(i / 64, files[i]);
        }
    }

    [Fact]
    public void Random_ReachesEveryFile_ByTheSeed_AndEachFileOnlyUntilItsRegionIsDone()
    {
        string[] options = ["--nrfiles=8", "--size=512k", "--rw=randread", "--file_service_type=random", "--randseed=42"];
        int[] files = Files(128, options);
        int[] again = Files(128, options);
        int[] otherSeed = Files(128, [.. options[..^1], "--randseed=43"]);

        Assert.Equal(files, again);
        Assert.NotEqual(files, otherSeed);
        Assert.NotEqual([0, 1, 2, 3, 4, 5, 6, 7], files[..8]);
        // Each file's 16 blocks are done before the pass ends: every file exactly 16 I/Os.
        Assert.All(Counts(files, 8), count => Assert.Equal(16, count));
    }

    [Fact]
    public void RandomWithN_StaysOnAFileForNIos()
    {
        int[] files = Files(64, "--nrfiles=8", "--size=8m", "--file_service_type=random:8", "--randseed=7");

        for (int i = 0; i < files.Length; i += 8)
        {
            Assert.All(files[i..(i + 8)], f => Assert.Equal(files[i], f));
        }
        Assert.True(files.Distinct().Count() > 2, "random:8 should reach several files in 64 I/Os");
    }

    [Fact]
    public void Zipf_FavoursSomeFilesOverOthers()
    {
        int[] files = Files(2000, "--nrfiles=10", "--size=100m", "--rw=randread", "--file_service_type=zipf:1.2", "--randseed=3");

        int[] counts = Counts(files, 10);
        Assert.True(counts.Max() > 3 * counts.Min() + 10, $"zipf over files should be skewed: {string.Join(',', counts)}");
    }

    [Theory]
    [InlineData("roundrobin")]
    [InlineData("random:4")]
    [InlineData("zipf")]
    public void PickingTheFile_AllocatesNothingPerIo(string service)
    {
        JobPlan plan = Plan("--nrfiles=16", "--size=64m", "--rw=randread", $"--file_service_type={service}");
        var files = new FileService(plan, 4096);
        int length = 4096;
        files.Next(ref length, 4096);

        (long fewest, string readings) = AllocationReadings.Fewest(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100_000; i++)
            {
                length = 4096;
                files.Next(ref length, 4096);
            }
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }, allowed: 999);

        Assert.True(fewest < 1000, $"the file service allocated {readings} bytes over 100,000 picks (one loop per reading)");
    }

    [Fact]
    public void ALogsOffsets_AreWithinTheFile_AsFiosAre()
    {
        string prefix = _dir.File("log");
        RunJson("--name=lg", $"--directory={_dir.Path}", "--nrfiles=2", "--size=128k", "--rw=write", $"--write_lat_log={prefix}", "--log_offset=1");

        long[] offsets = [.. File.ReadAllLines(prefix + "_lat.1.log").Select(line => long.Parse(line.Split(',')[4].Trim(), System.Globalization.CultureInfo.InvariantCulture))];
        Assert.Equal(32, offsets.Length);
        Assert.All(offsets, offset => Assert.InRange(offset, 0, (64 << 10) - 4096));
    }

    [Fact]
    public void TheSizeIsSplitOverTheFiles_EachCreatedAtItsShare_AndTheJobMovesTheSizeExactly()
    {
        JsonElement job = RunJson("--name=split", $"--directory={_dir.Path}", "--nrfiles=4", "--size=1m", "--rw=write", "--bs=4k");

        Assert.Equal(1L << 20, job.GetProperty("write").GetProperty("io_bytes").GetInt64());
        Assert.Equal(256, job.GetProperty("write").GetProperty("total_ios").GetInt64());
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(256L << 10, new FileInfo(_dir.File($"split.0.{i}")).Length);
        }
    }

    [Fact]
    public void AFilesizeRange_DrawsEachFilesSize_InWholeBlocks_AndTheJobCoversThem()
    {
        JsonElement job = RunJson("--name=range", $"--directory={_dir.Path}", "--nrfiles=6", "--filesize=16k-256k", "--rw=write", "--bs=4k");

        long[] sizes = [.. Enumerable.Range(0, 6).Select(i => new FileInfo(_dir.File($"range.0.{i}")).Length)];
        Assert.All(sizes, size => Assert.InRange(size, 16L << 10, 256L << 10));
        Assert.All(sizes, size => Assert.Equal(0, size % 4096));
        Assert.True(sizes.Distinct().Count() > 1, "a range draws different sizes");
        Assert.Equal(sizes.Sum(), job.GetProperty("write").GetProperty("io_bytes").GetInt64());
    }

    [Fact]
    public void AFilenameList_IsTheJobsFiles_WithAnEscapedColonKeptInAName()
    {
        string a = _dir.File("a");
        string b = _dir.File("b:c");
        JsonElement job = RunJson("--name=list", $"--filename={a}:{b.Replace(":", "\\:", StringComparison.Ordinal)}", "--size=256k", "--rw=write");

        Assert.Equal(256L << 10, job.GetProperty("write").GetProperty("io_bytes").GetInt64());
        Assert.Equal(128L << 10, new FileInfo(a).Length);
        Assert.Equal(128L << 10, new FileInfo(b).Length);
    }

    [Fact]
    public void FilenameFormat_NamesTheFiles_AndMakesTheirDirectories()
    {
        RunJson("--name=fmt", $"--directory={_dir.Path}", "--nrfiles=2", "--size=64k", "--rw=write", "--filename_format=sub/$jobname-$filenum.dat");

        Assert.True(File.Exists(_dir.File("sub/fmt-0.dat")));
        Assert.True(File.Exists(_dir.File("sub/fmt-1.dat")));
    }

    [Fact]
    public void ReadingSeveralFiles_LaysOutEach_AndReadsTheirData()
    {
        JsonElement job = RunJson("--name=rd", $"--directory={_dir.Path}", "--nrfiles=3", "--size=384k", "--rw=randread", "--direct=1");

        Assert.Equal(384L << 10, job.GetProperty("read").GetProperty("io_bytes").GetInt64());
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(128L << 10, new FileInfo(_dir.File($"rd.0.{i}")).Length));
    }

    [Fact]
    public void CreateOnOpen_SkipsTheLayout()
    {
        JobPlan laidOut = Plan("--nrfiles=2", "--size=64k", "--rw=read");
        JobPlan onOpen = Plan("--nrfiles=2", "--size=64k", "--rw=read", "--create_on_open=1");

        Assert.True(laidOut.Target.NeedsLayout);
        Assert.False(onOpen.Target.NeedsLayout);
        Assert.Contains(onOpen.Notes, n => n.StartsWith("create_on_open", StringComparison.Ordinal));
    }

    [Fact]
    public void AllowFileCreate0_RefusesAMissingFile_ByName()
    {
        var e = Assert.Throws<OptionException>(() => Plan("--nrfiles=2", "--size=64k", "--rw=write", "--allow_file_create=0"));

        Assert.Contains("allow_file_create=0", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowFileCreate0_TakesFilesThatExist()
    {
        File.WriteAllBytes(_dir.File("main.0.0"), new byte[65536]);

        JobPlan plan = Plan("--size=64k", "--rw=write", "--allow_file_create=0");

        Assert.Equal(64L << 10, plan.Size);
    }

    [Theory]
    [InlineData("--verify=crc32c", "verify=")]
    [InlineData("--ioengine=dotnet", "ioengine=dotnet")]
    [InlineData("--ioengine=null", "ioengine=null")]
    public void WhatASetOfFilesCannotDo_IsRefusedByName(string option, string message)
    {
        var e = Assert.Throws<OptionException>(() => Plan("--nrfiles=2", "--size=64k", "--rw=write", option));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("truncate", false)]
    [InlineData("none", false)]
    [InlineData("native", true)]
    [InlineData("keep", true)]
    public void Fallocate_OnAPlainFile_ReservesItsBlocksOrLeavesItSparse(string mode, bool reserved)
    {
        string file = _dir.File($"fa-{mode}");
        RunJson("--name=fa", $"--filename={file}", "--size=1m", "--rw=write", "--number_ios=1", $"--fallocate={mode}");

        Assert.Equal(1L << 20, new FileInfo(file).Length);
        long allocated = AllocatedBytes(file);
        if (reserved)
        {
            Assert.True(allocated >= 1L << 20, $"fallocate={mode}: {allocated} bytes allocated");
        }
        else
        {
            Assert.True(allocated < 1L << 19, $"fallocate={mode}: {allocated} bytes allocated after one 4 KiB write");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }

    internal static long AllocatedBytes(string path)
    {
        Assert.Equal(0, PinIo.Linux.Interop.StatxPath(path, PinIo.Linux.Interop.STATX_BLOCKS, out PinIo.Linux.Statx st));
        return (long)st.Blocks * 512;
    }

    internal static JsonElement RunJson(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = PinIo.Cli.Program.Run([.. args, "--output-format=json"], stdout, stderr);
        Assert.True(status == 0, stderr.ToString());
        using var json = JsonDocument.Parse(stdout.ToString());
        return json.RootElement.GetProperty("jobs")[0].Clone();
    }

    private static int[] Counts(int[] files, int n) => [.. Enumerable.Range(0, n).Select(f => files.Count(x => x == f))];

    /// <summary>Job "main" (the default job's options, its ram: target replaced by files in the test's directory).</summary>
    private JobPlan Plan(params string[] options) =>
        JobPlan.Resolve(CommandLineJobs.Parse(["--name=main", $"--directory={_dir.Path}", "--rw=read", .. options], new JobOptions()))[0];

    /// <summary>The files of the job's first <paramref name="ios"/> I/Os, as its file service picks them.</summary>
    private int[] Files(int ios, params string[] options)
    {
        JobPlan plan = Plan(options);
        var service = new FileService(plan, plan.Bs.Read.Min);
        var files = new int[ios];
        for (int i = 0; i < ios; i++)
        {
            int length = plan.Bs.Read.Min;
            long offset = service.Next(ref length, length);
            (files[i], long within) = FileSetTarget.Split(offset);
            Assert.InRange(within, 0, ((FileSetTarget)plan.Target).Regions[files[i]] - length);
        }
        return files;
    }
}
