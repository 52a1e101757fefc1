using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// pinio's <c>--filename=faulty:SPEC:TARGET</c>: a write job with verify=crc32c on a device
/// that drops or corrupts writes fails (non-zero exit) and names the first bad offset; the
/// same job on the same target without a fault passes, so the failure is the fault's.
/// </summary>
public sealed class FaultTargetTests : PinBalancedTest, IDisposable
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData("faulty:flakey,up=50io,down=5io,drop_writes:ram:4m", "psync", "offset 204800, length 4096: bad magic")]
    [InlineData("faulty:flakey,up=50io,down=1io,corrupt_bio_byte=778:ram:4m", "psync", "offset 204800, length 4096: crc32c mismatch")]
    [InlineData("faulty:flakey,up=50io,down=1io,corrupt_bio_byte=778:ram:4m", "io_uring", "offset 204800, length 4096: crc32c mismatch")]
    [InlineData("faulty:flakey,up=50io,down=5io,drop_writes:FILE", "io_uring", "offset 204800, length 4096: bad magic")]
    [InlineData("faulty:flakey,up=50io,down=5io,drop_writes:FILE", "psync", "offset 204800, length 4096: bad magic")]
    public void AWriteVerifyJob_FailsAndNamesTheOffset_WhenWritesAreDroppedOrCorrupted(string filename, string engine, string named)
    {
        (int status, string output) = Pinio(filename, engine);

        Assert.NotEqual(0, status);
        Assert.Contains(named, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("faulty:seed=1:ram:4m", "psync")]
    [InlineData("faulty:flakey,up=1000000io,down=1io,drop_writes:ram:4m", "io_uring")]
    [InlineData("faulty:powercut,early=0.2+delay,write=1ms:FILE", "io_uring")]
    [InlineData("faulty:dust,bad=300,bad=700-709:FILE", "psync")]
    public void TheSameJobWithoutAFaultThatLosesData_Passes(string filename, string engine)
    {
        // A write over a dm-dust bad block clears it, so the read-back finds every block.
        (int status, string output) = Pinio(filename, engine);

        Assert.True(status == 0, output);
        Assert.Contains("err= 0", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorWrites_EndTheJobWithEio()
    {
        (int status, string output) = Pinio("faulty:flakey,up=10io,down=1io,error_writes:ram:4m", "psync");

        Assert.NotEqual(0, status);
        Assert.Contains("err= 5 (Write at offset 40960: FaultDevice: injected I/O error (dm-flakey, device down) (EIO))", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("faulty:bogus:ram:4m", "fault spec part 'bogus'")]
    [InlineData("faulty:flakey,up=1io", "expected faulty:SPEC:TARGET")]
    [InlineData("faulty:flakey,up=1io,down=1s:ram:4m", "both be times or both be bio counts")]
    [InlineData("faulty:delay,read=x:ram:4m", "read=x: not a number")]
    [InlineData("faulty:flakey,drop_writes:ram:3k", "RAM disk needs a size")]
    public void ABadSpec_IsOneLineNamingWhatToChange(string filename, string named)
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan($"--filename={filename}"));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TheTargetWrapsItsInnerTarget_WithTheInnersSizeAndBlock()
    {
        JobPlan plan = TestJobs.Plan("--filename=faulty:dust,bad=1+seed=5:ram:1m");

        FaultTarget target = Assert.IsType<FaultTarget>(plan.Target);
        Assert.IsType<RamTarget>(target.Inner);
        Assert.Equal(1L << 20, target.Capacity);
        Assert.Equal(5UL, target.Fault.Seed);
        using var device = Assert.IsType<FaultDevice>(target.Open(0));
        Assert.Equal([1L], device.BadBlocks);
    }

    private (int Status, string Output) Pinio(string filename, string engine)
    {
        filename = filename.Replace("FILE", _dir.File("data"), StringComparison.Ordinal);
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = TestJobs.WithoutPinOwnerStacks(() => PinIo.Cli.Program.Run(
            ["--name=w", $"--filename={filename}", "--rw=write", "--bs=4k", "--size=4m", "--verify=crc32c", $"--ioengine={engine}", "--iodepth=4"],
            stdout, stderr));
        return (status, stdout.ToString() + stderr);
    }

    void IDisposable.Dispose()
    {
        _dir.Dispose();
        Dispose();
    }
}
