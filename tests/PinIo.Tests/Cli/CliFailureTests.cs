using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// pinio never ends in a stack trace: each input that once ended in an unhandled exception
/// now ends in one line on standard error that names what to change, and exit status 1.
/// </summary>
public sealed class CliFailureTests : PinBalancedTest, IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void AnEmptyFilenameIsRefusedByName()
    {
        string error = Fails(["--filename=", "--size=1m", "--runtime=10ms"]);
        Assert.Contains("filename= is empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyJobFileNameIsRefused()
    {
        string error = Fails([""]);
        Assert.Contains("job file name is empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AJobFileThatIsADirectoryIsRefused()
    {
        string error = Fails([_dir.Path]);
        Assert.Contains(_dir.Path, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEndlessJobFileIsRefusedAtTheSizeLimit()
    {
        string error = Fails(["/dev/zero"]);
        Assert.Contains("/dev/zero", error, StringComparison.Ordinal);
        Assert.Contains("larger than", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEndlessIncludeIsRefusedAtTheSizeLimit()
    {
        string job = _dir.File("inc.fio");
        File.WriteAllText(job, "[j]\nfilename=ram:1m\ninclude /dev/zero\n");
        string error = Fails([job]);
        Assert.Contains("/dev/zero", error, StringComparison.Ordinal);
        Assert.Contains("larger than", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dir")]
    [InlineData("missing-parent")]
    [InlineData("unwritable")]
    public void AnOutputThatCannotBeWrittenIsRefusedByName(string kind)
    {
        string path = kind switch
        {
            "dir" => _dir.Path,
            "missing-parent" => Path.Combine(_dir.Path, "nope", "o.txt"),
            _ => "/proc/version",
        };

        string error = Fails(["--filename=ram:1m", "--runtime=10ms", $"--output={path}"]);

        Assert.Contains($"--output {path}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AStartDelayBeyondAnIntOfMillisecondsWaitsAndCanBeStopped()
    {
        JobPlan plan = TestJobs.Plan("--filename=ram:1m", "--startdelay=2147483648", "--runtime=10ms");
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        JobResult result = Assert.Single(JobGroup.Run([plan], stop.Token));

        Assert.Equal(0, result.Error);
        Assert.Equal(0, result.Stats.Read.TotalIos);
    }

    [Fact]
    public void ARamDiskLargerThanTheMemoryAvailableIsRefusedBeforeItIsAllocated()
    {
        string error = Fails(["--filename=ram:16t", "--runtime=10ms"]);
        Assert.Contains("filename=ram:16t", error, StringComparison.Ordinal);
        Assert.Contains("MemAvailable", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ARamDiskBehindAFaultyTargetIsCheckedAgainstTheMemoryAvailableToo()
    {
        string error = Fails(["--filename=faulty:flakey,up=9io,down=1io:ram:16t", "--runtime=10ms"]);
        Assert.Contains("filename=ram:16t", error, StringComparison.Ordinal);
        Assert.Contains("MemAvailable", error, StringComparison.Ordinal);
    }

    [Fact]
    public void RamDisksThatTogetherExceedTheMemoryAvailableAreRefused()
    {
        long available = AvailableMemory.Bytes ?? throw new InvalidOperationException("/proc/meminfo has no MemAvailable on this machine");
        long each = (available / 2 / 4096 * 4096) + (1L << 30);
        var e = Assert.Throws<OptionException>(() => JobPlan.Resolve(CommandLineJobs.Parse(
            ["--name=a", $"--filename=ram:{each}", "--name=b", $"--filename=ram:{each + 4096}"], MainJob.Options())));
        Assert.Contains("MemAvailable", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AThreadThatCannotBeStartedEndsTheRunWithOneLineAndTheStartedJobsStop()
    {
        IReadOnlyList<JobPlan> plans = JobPlan.Resolve(CommandLineJobs.Parse(["--filename=ram:1m", "--runtime=10s", "--time_based", "--numjobs=4"], MainJob.Options()));
        int started = 0;

        var e = Assert.Throws<OptionException>(() => JobGroup.Run(plans, thread =>
        {
            if (++started > 2)
            {
#pragma warning disable CA2201 // what the runtime throws when pthread_create fails
                throw new OutOfMemoryException("Thread failed to start.");
#pragma warning restore CA2201
            }
            thread.Start();
        }, CancellationToken.None));

        Assert.Contains("job 'main'", e.Message, StringComparison.Ordinal);
        Assert.Contains("2 of 4", e.Message, StringComparison.Ordinal);
        Assert.Contains("numjobs", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    public new void Dispose()
    {
        _dir.Dispose();
        base.Dispose();
    }

    /// <summary>Runs pinio, which must fail with one line on standard error; returns that line.</summary>
    private static string Fails(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = PinIo.Cli.Program.Run(args, stdout, stderr);
        string error = stderr.ToString().Trim();
        Assert.True(status != 0, $"exit status 0; stderr: {error}");
        Assert.False(error.Contains('\n', StringComparison.Ordinal), $"more than one line: {error}");
        Assert.StartsWith("pinio: ", error, StringComparison.Ordinal);
        return error;
    }
}
