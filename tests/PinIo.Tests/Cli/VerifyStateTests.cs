using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Cli.Verify;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// verify_state_save / verify_state_load: a writing job stopped after 5 of its 16 writes saves
/// them to fio's local-NAME-N-verify.state; a verify_only run that loads the file checks
/// exactly those 5 (one replayed from the seed expects all 16 and finds 11 never written); a
/// corrupted, torn or missing state file is refused by name.
/// </summary>
public sealed class VerifyStateTests : PinBalancedTest
{
    private const int Written = 5;

    [Fact]
    public void AVerifyOnlyRunChecksExactlyTheWritesTheStateFileHolds()
    {
        string name = $"vs{Guid.NewGuid():N}";
        string[] job = Job(name);
        using var disk = Write(job, out string state);
        try
        {
            JobResult loaded = TestJobs.Run(TestJobs.Plan([.. job, "--verify_only", "--verify_state_load=1"]), disk);
            JobResult replayed = TestJobs.Run(TestJobs.Plan([.. job, "--verify_only"]), disk);

            Assert.Equal(0, loaded.Error);
            Assert.Equal(Written, loaded.Stats.Read.TotalIos);
            Assert.Equal(16 - Written, replayed.VerifyMismatches);
        }
        finally
        {
            File.Delete(state);
        }
    }

    [Theory]
    [InlineData(100, "is corrupted: crc32c mismatch")]
    [InlineData(-1, "is corrupted: ")]
    [InlineData(0, "is corrupted: not a pinio verify state file")]
    public void ACorruptedStateFileIsRefusedByName(int at, string message)
    {
        string name = $"vs{Guid.NewGuid():N}";
        string[] job = Job(name);
        using var disk = Write(job, out string state);
        try
        {
            byte[] bytes = File.ReadAllBytes(state);
            if (at < 0)
            {
                bytes = bytes[..^10];
            }
            else
            {
                bytes[at] ^= 0x01;
            }
            File.WriteAllBytes(state, bytes);

            JobResult result = TestJobs.Run(TestJobs.Plan([.. job, "--verify_only", "--verify_state_load=1"]), disk);

            Assert.Equal((int)Errno.EINVAL, result.Error);
            Assert.Contains($"verify_state_load: {state} {message}", result.ErrorText, StringComparison.Ordinal);
            Assert.Equal(0, result.Stats.Read.TotalIos);
        }
        finally
        {
            File.Delete(state);
        }
    }

    [Fact]
    public void AMissingStateFileIsRefusedByName()
    {
        string name = $"vs{Guid.NewGuid():N}";
        JobResult result = TestJobs.Run([.. Job(name), "--verify_only", "--verify_state_load=1"]);

        Assert.Equal((int)Errno.ENOENT, result.Error);
        Assert.Contains("run the writing job with verify_state_save=1 first", result.ErrorText, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyStateLoadWithoutVerifyOnlyIsRefused()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan([.. Job("x"), "--verify_state_load=1"]));
        Assert.Contains("add verify_only", e.Message, StringComparison.Ordinal);
    }

    private static string[] Job(string name) =>
        [$"--name={name}", "--filename=ram:64k", "--rw=randwrite", "--bs=4k", "--verify=crc32c", "--do_verify=0", "--time_based=0", "--runtime=0"];

    private static RamDisk Write(string[] job, out string state)
    {
        JobPlan writer = TestJobs.Plan([.. job, $"--number_ios={Written}", "--verify_state_save=1"]);
        var disk = (RamDisk)writer.Target.Open(0);
        JobResult result = TestJobs.Run(writer, disk);
        Assert.Equal(0, result.Error);
        Assert.Equal(Written, result.Stats.Write.TotalIos);
        state = $"local-{writer.Name}-0-verify.state";
        Assert.True(File.Exists(state), state);
        return disk;
    }
}
