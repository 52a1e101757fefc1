using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// ioengine=exec (fio's exec engine): the program runs for the job's runtime, with %r and %n
/// replaced in its arguments and its output in JOBNAME.stdout, and is stopped as fio stops it:
/// SIGTERM, grace_time seconds, then SIGKILL.
/// </summary>
public sealed class ExecEngineTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void AnExecJob_RunsItsProgramWithTheArguments_AndStopsItWithSigterm()
    {
        string log = _dir.File("log");
        string script = Script("echo \"args $*\"; trap 'echo term >> " + log + "; exit 0' TERM; echo started > " + log + "; while true; do sleep 0.05; done");
        string name = $"exec-{Guid.NewGuid():N}";
        JobPlan plan = TestJobs.Plan($"--name={name}", "--ioengine=exec", $"--program={script}", "--arguments=%n  %r x", "--time_based", "--runtime=1");

        try
        {
            JobResult result = CpuioEngineTests.RunOnThisThread(plan);

            Assert.Equal(0, result.Error);
            Assert.Equal(["started", "term"], File.ReadAllLines(log));
            Assert.Equal($"args {name} 1 x", File.ReadAllText($"{name}.stdout").Trim());
            Assert.Equal(0, result.Stats.Read.IoBytes);
        }
        finally
        {
            File.Delete($"{name}.stdout");
            File.Delete($"{name}.stderr");
        }
    }

    [Fact]
    public void AProgramThatIgnoresSigterm_IsKilledAfterTheGraceTime()
    {
        string pidFile = _dir.File("pid");
        string script = Script("trap '' TERM; echo $$ > " + pidFile + "; while true; do sleep 0.05; done");
        JobPlan plan = TestJobs.Plan("--name=ignores", "--ioengine=exec", $"--program={script}", "--grace_time=0", "--std_redirect=0",
            "--time_based", "--runtime=500ms");

        JobResult result = CpuioEngineTests.RunOnThisThread(plan);

        Assert.Equal(0, result.Error);
        int pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(Directory.Exists($"/proc/{pid}"), $"the program (pid {pid}) still runs after its job ended");
    }

    [Fact]
    public void AnExecJobWithoutAProgram_IsRefusedByName()
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan("--ioengine=exec", "--runtime=1"));
        Assert.Contains("ioengine=exec needs program=", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnExecJobWhoseProgramCannotRun_RunsItsRuntimeAsFiosDoes_AndSaysSoInItsNotes()
    {
        JobPlan plan = TestJobs.Plan("--name=missing", "--ioengine=exec", "--program=/nonexistent/program", "--std_redirect=0", "--time_based", "--runtime=200ms");

        JobResult result = CpuioEngineTests.RunOnThisThread(plan);

        Assert.Contains(plan.Notes, n => n.Contains("program=/nonexistent/program is not an executable file", StringComparison.Ordinal));
        Assert.Equal(0, result.Error);
        Assert.True(result.Stats.Read.TotalIos > 1, "the job watched for its runtime");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }

    private string Script(string body)
    {
        string path = _dir.File($"script-{Guid.NewGuid():N}.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }
}
