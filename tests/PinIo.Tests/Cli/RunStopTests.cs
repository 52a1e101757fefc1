using System.Diagnostics;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// A run stopped early — SIGINT (Ctrl-C) or SIGTERM, as fio handles both — ends promptly,
/// prints the report of every job with the I/O it did so far, and exits 128 (fio's status after
/// a signal). The bounds only catch hangs: each run would last a minute if nothing stopped it.
/// </summary>
public sealed class RunStopTests : PinBalancedTest
{
    private static readonly TimeSpan HangBound = TimeSpan.FromSeconds(20);

    [Fact]
    public void AStoppedRunEnds_AndReportsEachJobsIoSoFar()
    {
        using RunStop stop = RunStop.Manual();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var clock = Stopwatch.StartNew();
        // The stop takes the path SIGINT takes, once the jobs have had time to do some I/O.
        using var trigger = new Timer(_ => stop.Request(2), null, TimeSpan.FromSeconds(3), Timeout.InfiniteTimeSpan);

        int status = TestJobs.WithoutPinOwnerStacks(() => PinIo.Cli.Program.Run(
            ["--name=x", "--filename=ram:16m", "--rw=randread", "--numjobs=4", "--runtime=60", "--time_based"],
            stdout, stderr, stdoutIsTerminal: false, stop));

        Assert.True(clock.Elapsed < HangBound, $"the stopped run took {clock.Elapsed}");
        Assert.Equal(RunStop.ExitStatus, status);
        AssertReportsEveryJob(stdout.ToString(), jobs: 4);
    }

    [Theory]
    [InlineData("INT", 2, 4)]
    [InlineData("TERM", 15, 4)]
    [InlineData("INT", 2, 200)]
    public async Task ASignalToPinio_StopsIt_PrintsTheReportAndExits128(string signal, int number, int jobs)
    {
        using Process pinio = StartPinio(["--name=x", "--filename=ram:16m", "--rw=randread", $"--numjobs={jobs}", "--runtime=60", "--time_based"]);
        var stdout = new System.Text.StringBuilder();
        var firstLine = new ManualResetEventSlim();
        pinio.OutputDataReceived += (_, e) =>
        {
            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }
            firstLine.Set();
        };
        pinio.BeginOutputReadLine();
        Task<string> stderr = pinio.StandardError.ReadToEndAsync();

        // The job list is printed once the signal handlers are in place; then let the jobs run a while.
        Assert.True(firstLine.Wait(HangBound), "pinio printed nothing");
        await Task.Delay(TimeSpan.FromSeconds(3));
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, FileShell.Run("kill", $"-{signal}", pinio.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ExitCode);
        bool exited = pinio.WaitForExit(HangBound);
        if (!exited)
        {
            pinio.Kill();
        }

        Assert.True(exited, $"pinio still ran {HangBound} after SIG{signal}");
        pinio.WaitForExit();
        Assert.Equal(RunStop.ExitStatus, pinio.ExitCode);
        Assert.Contains($"terminating on signal {number}", await stderr, StringComparison.Ordinal);
        string report;
        lock (stdout)
        {
            report = stdout.ToString();
        }
        AssertReportsEveryJob(report, jobs);
        Assert.True(clock.Elapsed < HangBound, $"SIG{signal} took {clock.Elapsed} to end the run");
    }

    /// <summary>
    /// Every job's block is there, with reads done, and the group's summary. With hundreds of
    /// jobs on two shared CPUs some may not have done an I/O yet when the signal comes, and fio
    /// prints no block for a job that did none: then each block printed must hold reads.
    /// </summary>
    private static void AssertReportsEveryJob(string report, int jobs)
    {
        string[] lines = report.Split('\n');
        int blocks = lines.Count(l => l.Contains("(groupid=0, jobs=1): err= 0", StringComparison.Ordinal));
        string[] issued = [.. lines.Where(l => l.Contains("issued rwts: total=", StringComparison.Ordinal))];
        if (jobs <= 4)
        {
            Assert.Equal(jobs, blocks);
        }
        else
        {
            Assert.InRange(blocks, 1, jobs);
        }
        Assert.Equal(blocks, issued.Length);
        Assert.All(issued, l => Assert.DoesNotContain("total=0,", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Run status group 0", StringComparison.Ordinal));
    }

    /// <summary>
    /// pinio as its own process, from the build beside the tests, with SIGINT and SIGTERM at
    /// their default disposition (a runner started in the background may pass them ignored).
    /// </summary>
    private static Process StartPinio(string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "PinIo.Cli.dll");
        Assert.True(File.Exists(dll), $"the pinio build is not beside the tests: {dll}");
        string dotnet = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        var start = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["--default-signal=INT,TERM", dotnet, dll, .. args])
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start) ?? throw new InvalidOperationException("env did not start");
    }
}
