using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// pinio on a file inside a Volume: <c>volram:SIZE:NAME</c> and <c>vol:IMAGE:NAME</c> targets
/// parse into a <see cref="VolumeTarget"/>, verified jobs run through both Direct I/O paths,
/// an image of zeroes is formatted and one holding a Volume is mounted (its files survive
/// the run), and one holding anything else is refused.
/// </summary>
public sealed class VolumeTargetTests : PinBalancedTest, IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void AVolramTarget_IsAFileOfTheJobsSizeInAVolumeOnARamDisk()
    {
        JobPlan plan = TestJobs.Plan("--filename=volram:64m:data", "--size=16m", "--volume_dio=legacy");

        VolumeTarget target = Assert.IsType<VolumeTarget>(plan.Target);
        Assert.Equal("data", target.FileName);
        Assert.Equal(64L << 20, Assert.IsType<RamTarget>(target.Device).Capacity);
        Assert.Equal(16L << 20, target.Capacity);
        Assert.Equal(DirectIoPath.Legacy, target.Path);
        Assert.Equal(16L << 20, plan.Size);
    }

    [Theory]
    [InlineData("volram:64m", "--size=1m", "expected volram:SIZE:NAME")]
    [InlineData("volram:64m:", "--size=1m", "expected volram:SIZE:NAME")]
    [InlineData("volram:64m:data", "--rw=read", "give size=")]
    [InlineData("volram:3k:data", "--size=1m", "RAM disk needs a size")]
    [InlineData("vol:/nonexistent/pinio.img:data", "--size=1m", "create it first")]
    [InlineData("volram:64m:data", "--ioengine=dotnet", "a Volume's file has only PinIo's Direct I/O")]
    public void ABadVolumeTarget_IsOneLineNamingWhatToChange(string filename, string option, string named)
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan($"--filename={filename}", option));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AVolumeFileName_IsAtMost255Bytes()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan($"--filename=volram:64m:{new string('n', 256)}", "--size=1m"));

        Assert.Contains("at most 255 bytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("iomap", "psync")]
    [InlineData("iomap", "io_uring")]
    [InlineData("legacy", "psync")]
    [InlineData("legacy", "io_uring")]
    public void AVerifiedRandomMix_RunsOnAVolramFile(string path, string engine)
    {
        (int status, string output) = Pinio("volram:32m:data", path, engine, "--rw=randrw", "--size=8m", "--io_size=16m");

        Assert.True(status == 0, output);
        Assert.Contains("err= 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public void TwoJobsOnOneVolram_ShareOneVolume_WithAFileEach()
    {
        IReadOnlyList<JobPlan> plans = JobPlan.Resolve(CommandLineJobs.Parse(
            ["--rw=write", "--size=4m", "--name=a", "--filename=volram:32m:a", "--name=b", "--filename=volram:32m:b"], MainJob.Options()));

        Assert.Equal(plans[0].Target.DeviceKey, plans[1].Target.DeviceKey);
        IReadOnlyList<JobResult> results = TestJobs.WithoutPinOwnerStacks(() => JobGroup.Run(plans, CancellationToken.None));
        Assert.All(results, r => Assert.True(r.Error == 0 && r.Stats.TotalIos > 0, $"{r.Plan.Name}: {r.ErrorText}"));
    }

    [Fact]
    public void AnImageOfZeroes_IsFormatted_AndItsFileIsThereAtTheNextMount()
    {
        string image = Image(64L << 20);

        (int status, string output) = Pinio($"vol:{image}:data", "iomap", "psync", "--rw=write", "--size=4m");
        Assert.True(status == 0, output);

        using FileDevice device = FileDevice.Open(image, new FileDeviceOptions { Engine = IoEngine.Sync });
        using Volume volume = Volume.Mount(device);
        Assert.Empty(volume.Check());
        Assert.Contains("data", volume.Files);
        using VolumeFile file = volume.Open("data");
        Assert.Equal(4L << 20, file.Length);
    }

    [Fact]
    public void AnImageHoldingAVolume_IsMounted_NotFormatted()
    {
        string image = Image(64L << 20);
        (int first, string firstOutput) = Pinio($"vol:{image}:one", "iomap", "psync", "--rw=write", "--size=1m");
        Assert.True(first == 0, firstOutput);

        (int second, string secondOutput) = Pinio($"vol:{image}:two", "legacy", "psync", "--rw=randrw", "--size=1m");
        Assert.True(second == 0, secondOutput);

        using FileDevice device = FileDevice.Open(image, new FileDeviceOptions { Engine = IoEngine.Sync });
        using Volume volume = Volume.Mount(device);
        Assert.Equal(["one", "two"], volume.Files.Order(StringComparer.Ordinal));
        Assert.Empty(volume.Check());
    }

    [Fact]
    public void AnImageHoldingSomethingElse_IsRefused_AndLeftAsItWas()
    {
        string image = Image(16L << 20);
        byte[] garbage = new byte[4096];
        garbage.AsSpan().Fill(0x77);
        using (FileStream stream = File.OpenWrite(image))
        {
            stream.Write(garbage);
        }

        (int status, string output) = Pinio($"vol:{image}:data", "iomap", "psync", "--rw=write", "--size=1m");

        Assert.NotEqual(0, status);
        Assert.Contains($"filename=vol:{image}:data", output, StringComparison.Ordinal);
        byte[] after = new byte[4096];
        using FileStream read = File.OpenRead(image);
        read.ReadExactly(after);
        Assert.Equal(garbage, after);
    }

    private string Image(long bytes)
    {
        string image = _dir.File("volume.img");
        using FileStream stream = File.Create(image);
        stream.SetLength(bytes);
        return image;
    }

    private static (int Status, string Output) Pinio(string filename, string path, string engine, params string[] more)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = TestJobs.WithoutPinOwnerStacks(() => PinIo.Cli.Program.Run(
            ["--name=v", $"--filename={filename}", $"--volume_dio={path}", "--bs=4k", "--verify=crc32c", $"--ioengine={engine}", "--iodepth=8", .. more],
            stdout, stderr));
        return (status, stdout.ToString() + stderr);
    }

    void IDisposable.Dispose()
    {
        _dir.Dispose();
        Dispose();
    }
}
