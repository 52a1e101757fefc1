using System.Text.Json;
using PinIo.Block;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Devices;
using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>rw=trim, randtrim and trimwrite (fio's): discards on a device, holes punched in a file.</summary>
public sealed class TrimJobTests : PinBalancedTest
{
    private const int Block = 4096;

    private static readonly string[] s_sizeBound = ["--time_based=0", "--runtime=0"];

    private readonly TempDirectory _dir = new();

    [Fact]
    public void ARandtrimJobOnRam_ZeroesTheTrimmedBlocks_AndLeavesTheOthers()
    {
        var plan = TestJobs.Plan(["--filename=ram:1m", "--rw=randtrim", "--bs=4k", "--size=1m", "--io_size=256k", "--iodepth=4", .. s_sizeBound]);
        using var disk = (RamDisk)plan.Target.Open(0);
        byte[] filled = new byte[1 << 20];
        Array.Fill(filled, (byte)0xA5);
        disk.WriteRaw(0, filled);
        var discards = new List<(long Position, int Size)>();
        var gate = new Lock();
        disk.OnSubmit = bio =>
        {
            if (bio.Op == BioOp.Discard)
            {
                lock (gate)
                {
                    discards.Add((bio.Position, bio.Size));
                }
            }
        };

        JobResult result = TestJobs.Run(plan, disk);

        Assert.Equal(0, result.Error);
        Assert.Equal(64, result.Stats.Trim.TotalIos);
        Assert.Equal(256 << 10, result.Stats.Trim.IoBytes);
        Assert.Equal(0, result.Stats.Write.TotalIos + result.Stats.Read.TotalIos);
        // The random map: each trimmed block once, so 64 distinct blocks are zero.
        var trimmed = discards.SelectMany(d => Enumerable.Range(0, d.Size / Block).Select(i => d.Position + ((long)i * Block))).ToHashSet();
        Assert.Equal(64, trimmed.Count);
        byte[] block = new byte[Block];
        for (long at = 0; at < 1 << 20; at += Block)
        {
            disk.ReadRaw(at, block);
            byte expected = trimmed.Contains(at) ? (byte)0 : (byte)0xA5;
            Assert.True(block.All(b => b == expected), $"block at {at} should be all 0x{expected:x2}");
        }
    }

    /// <summary>
    /// Every engine; io_uring is a polled ring the job thread reaps. Its trims hung there: the
    /// discard's await resumed on the thread pool, and the reap polled the ring for a completion
    /// that could only come from elsewhere, 60,000 io_uring_enter calls a second, forever.
    /// </summary>
    [Theory]
    [InlineData("psync")]
    [InlineData("io_uring")]
    [InlineData("libaio")]
    public async Task ATrimJobOnAFile_PunchesHoles(string engine)
    {
        string file = _dir.File("holes");
        byte[] data = new byte[1 << 20];
        Array.Fill(data, (byte)0x5A);
        File.WriteAllBytes(file, data);
        long before = AllocatedBytes(file);
        Assert.True(before >= 1 << 20, $"the file should be allocated first ({before} bytes)");

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = await Task.Run(() => PinIo.Cli.Program.Run(["--name=t", $"--filename={file}", "--rw=trim", "--bs=64k", "--size=1m", "--direct=1", $"--ioengine={engine}", "--iodepth=4"], stdout, stderr))
            .WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(status == 0, stderr.ToString());
        Assert.Contains("issued rwts: total=0,0,16,0", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("  trim: IOPS=", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains("   TRIM: bw=", stdout.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, AllocatedBytes(file));
        Assert.Equal(1 << 20, new FileInfo(file).Length);
    }

    [Fact]
    public void ATrimwriteJob_TrimsEachBlockThenWritesIt()
    {
        (JobResult result, var bios) = TestJobs.RunRecording(["--filename=ram:1m", "--rw=trimwrite", "--bs=4k", "--size=1m", "--iodepth=1", .. s_sizeBound]);

        Assert.Equal(0, result.Error);
        // fio: size= bytes trimmed and the same bytes written.
        Assert.Equal(256, result.Stats.Trim.TotalIos);
        Assert.Equal(256, result.Stats.Write.TotalIos);
        Assert.Equal(1 << 20, result.Stats.Trim.IoBytes);
        Assert.Equal(1 << 20, result.Stats.Write.IoBytes);
        var io = bios.Where(b => b.Op is BioOp.Discard or BioOp.Write).ToList();
        for (int i = 0; i < io.Count; i += 2)
        {
            Assert.Equal(BioOp.Discard, io[i].Op);
            Assert.Equal(BioOp.Write, io[i + 1].Op);
            Assert.Equal(io[i].Position, io[i + 1].Position);
        }
    }

    [Fact]
    public void ATrimwriteJobWithDepth_LeavesEveryBlockWritten()
    {
        var plan = TestJobs.Plan(["--filename=ram:1m", "--rw=trimwrite", "--bs=4k", "--size=1m", "--iodepth=8", "--ioengine=io_uring", .. s_sizeBound]);
        using var disk = (RamDisk)plan.Target.Open(0);

        JobResult result = TestJobs.Run(plan, disk);

        Assert.Equal(0, result.Error);
        byte[] block = new byte[Block];
        for (long at = 0; at < 1 << 20; at += Block)
        {
            disk.ReadRaw(at, block);
            Assert.False(block.All(b => b == 0), $"block at {at} was trimmed after its write");
        }
    }

    [Fact]
    public void TheJsonTrimObject_HoldsASizeBoundTrimJobsBytes()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = PinIo.Cli.Program.Run(["--name=t", "--filename=ram:2m", "--rw=trim", "--bs=8k", "--size=2m", "--output-format=json"], stdout, stderr);

        Assert.True(status == 0, stderr.ToString());
        using var json = JsonDocument.Parse(stdout.ToString());
        JsonElement job = json.RootElement.GetProperty("jobs")[0];
        JsonElement trim = job.GetProperty("trim");
        Assert.Equal(2L << 20, trim.GetProperty("io_bytes").GetInt64());
        Assert.Equal(256, trim.GetProperty("total_ios").GetInt64());
        Assert.Equal(256, trim.GetProperty("lat_ns").GetProperty("N").GetInt64());
        Assert.True(trim.TryGetProperty("bw", out _) && trim.TryGetProperty("iops", out _));
        Assert.Equal(0, job.GetProperty("write").GetProperty("io_bytes").GetInt64());
    }

    [Fact]
    public void ATrimJobOnAVolumeFile_PunchesHolesWithDirectIo_AndBufferedIsRefused()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = PinIo.Cli.Program.Run(["--name=v", "--filename=volram:64m:data", "--rw=randtrim", "--bs=64k", "--size=1m", "--direct=1", "--time_based=0"], stdout, stderr);

        Assert.True(status == 0, stderr.ToString());
        Assert.Contains("issued rwts: total=0,0,16,0", stdout.ToString(), StringComparison.Ordinal);
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--filename=volram:64m:data", "--rw=trim", "--size=1m", "--direct=0"));
        Assert.Contains("direct=1", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--ioengine=dotnet", "ioengine=dotnet")]
    [InlineData("--verify=crc32c", "verify")]
    public void ATrimJob_RefusesAnEngineOrOptionWithoutTrims_ByName(string option, string name)
    {
        string file = _dir.File("r");
        File.WriteAllBytes(file, new byte[1 << 20]);

        var e = Assert.Throws<OptionException>(() => TestJobs.Plan($"--filename={file}", "--rw=randtrim", "--size=1m", option));

        Assert.Contains("rw=randtrim", e.Message, StringComparison.Ordinal);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATrimJob_OnATargetThatCannotDiscard_IsRefusedAtOpen_NamingIt()
    {
        // ioengine=null's device ends every bio and has no discard limits.
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int status = PinIo.Cli.Program.Run(["--name=t", "--ioengine=null", "--rw=trim", "--size=1m"], stdout, stderr);

        Assert.NotEqual(0, status);
        Assert.Contains("rw=trim", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("cannot discard", stderr.ToString(), StringComparison.Ordinal);
    }

    private static long AllocatedBytes(string path)
    {
        Assert.Equal(0, Interop.StatxPath(path, Interop.STATX_BLOCKS, out Statx st));
        return (long)st.Blocks * 512;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
