using System.Diagnostics;
using PinIo.Cli.Progress;
using PinIo.Cli.Report;
using PinIo.Cli.Stats;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>fio's live status line as a pure function of two rounds of job snapshots, and when it is shown.</summary>
public sealed class ProgressLineTests : PinBalancedTest
{
    private const long MiB = 1024 * 1024;
    private static readonly long s_second = Stopwatch.Frequency;

    [Fact]
    public void ARunningReadJobLooksLikeFios()
    {
        var job = new ProgressJob('r', 64 * MiB, RuntimeSeconds: 10, TimeBased: true);
        JobProgressSnapshot previous = Running(read: 4000 * MiB, readIos: 1_000_000, at: 5);
        JobProgressSnapshot now = Running(read: (4000 + 1145) * MiB, readIos: 1_293_000, at: 6);

        string line = ProgressLine.Format([job], [previous], [now], elapsedSeconds: 5);

        Assert.Equal("Jobs: 1 (f=1): [r(1)][50.0%][r=1145MiB/s][r=293k IOPS][eta 00m:05s]", line);
    }

    [Fact]
    public void AMixedJobShowsBothDirections()
    {
        var job = new ProgressJob('m', 64 * MiB, RuntimeSeconds: 4, TimeBased: true);
        JobProgressSnapshot previous = Running(read: 0, readIos: 0, at: 3, write: 0, writeIos: 0);
        JobProgressSnapshot now = Running(read: 316 * MiB, readIos: 80_800, at: 4, write: 317 * MiB, writeIos: 81_200);

        string line = ProgressLine.Format([job], [previous], [now], elapsedSeconds: 3);

        Assert.Equal("Jobs: 1 (f=1): [m(1)][75.0%][r=316MiB/s,w=317MiB/s][r=80.8k,w=81.2k IOPS][eta 00m:01s]", line);
    }

    [Fact]
    public void JobsAreCondensedByStateAndTheLongestEtaWins()
    {
        var reader = new ProgressJob('r', 64 * MiB, 10, true);
        var writer = new ProgressJob('W', 64 * MiB, 20, true);
        JobProgressSnapshot[] previous = [Running(0, 0, 1), Running(0, 0, 1), Running(0, 0, 1, write: 0, writeIos: 0)];
        JobProgressSnapshot[] now = [Running(MiB, 256, 2), Running(MiB, 256, 2), Running(0, 0, 2, write: 2 * MiB, writeIos: 512)];

        string line = ProgressLine.Format([reader, reader, writer], previous, now, elapsedSeconds: 1);

        Assert.StartsWith("Jobs: 3 (f=3): [r(2),W(1)][", line, StringComparison.Ordinal);
        Assert.EndsWith("[r=2048KiB/s,w=2048KiB/s][r=512,w=512 IOPS][eta 00m:19s]", line, StringComparison.Ordinal);
    }

    [Fact]
    public void JobsWaitingBehindAStonewallAddTheirTime()
    {
        var first = new ProgressJob('r', 64 * MiB, 10, true);
        var second = new ProgressJob('w', 64 * MiB, 20, true, Stonewall: true);
        JobProgressSnapshot[] previous = [Running(0, 0, 1), default];
        JobProgressSnapshot[] now = [Running(MiB, 256, 5), default];

        string line = ProgressLine.Format([first, second], previous, now, elapsedSeconds: 4);

        Assert.StartsWith("Jobs: 1 (f=1): [r(1),P(1)][", line, StringComparison.Ordinal);
        Assert.EndsWith("[eta 00m:26s]", line, StringComparison.Ordinal);
    }

    [Fact]
    public void ASizeBoundJobsEtaComesFromTheBytesLeft()
    {
        var job = new ProgressJob('R', 100 * MiB, RuntimeSeconds: 0, TimeBased: false);
        JobProgressSnapshot now = Running(read: 25 * MiB, readIos: 6400, at: 3);

        Assert.Equal(6, ProgressLine.EtaSeconds(job, now));
    }

    [Fact]
    public void WithNothingRunningOnlyTheCountIsShown()
    {
        var job = new ProgressJob('r', MiB, 1, true);
        JobProgressSnapshot pending = default;
        JobProgressSnapshot done = new(JobPhase.Done, MiB, 0, 256, 0, 1, 2 * s_second);

        Assert.Equal("Jobs: 0 (f=0)", ProgressLine.Format([job], [pending], [pending], 1));
        Assert.Equal("Jobs: 0 (f=0)", ProgressLine.Format([job], [done], [done], 1));
    }

    [Theory]
    [InlineData(0, "00m:00s")]
    [InlineData(5, "00m:05s")]
    [InlineData(125, "02m:05s")]
    [InlineData(3725, "01h:02m:05s")]
    [InlineData(90061, "01d:01h:01m:01s")]
    public void EtaIsWrittenAsFioWritesIt(long seconds, string expected)
    {
        Assert.Equal(expected, ProgressLine.EtaText(seconds));
    }

    [Theory]
    [InlineData("r", "r(1)")]
    [InlineData("rrrr", "r(4)")]
    [InlineData("rrw_P", "r(2),w(1),_(1),P(1)")]
    public void StatesAreRunLengthCondensed(string states, string expected)
    {
        Assert.Equal(expected, ProgressLine.Condense(states));
    }

    [Fact]
    public void LettersFollowFiosRunStates()
    {
        Assert.Equal('r', ProgressJob.From(TestJobs.Plan("--rw=randread")).Letter);
        Assert.Equal('R', ProgressJob.From(TestJobs.Plan("--rw=read")).Letter);
        Assert.Equal('W', ProgressJob.From(TestJobs.Plan("--rw=write")).Letter);
        Assert.Equal('m', ProgressJob.From(TestJobs.Plan("--rw=randrw")).Letter);
        var job = new ProgressJob('w', MiB, 1, true);
        Assert.Equal('P', ProgressLine.Letter(job, JobPhase.Pending));
        Assert.Equal('I', ProgressLine.Letter(job, JobPhase.LayingOut));
        Assert.Equal('w', ProgressLine.Letter(job, JobPhase.Running));
        Assert.Equal('V', ProgressLine.Letter(job, JobPhase.Verifying));
        Assert.Equal('_', ProgressLine.Letter(job, JobPhase.Done));
    }

    [Fact]
    public void AVerifyingJobPlansToReadBackWhatItWrites()
    {
        ProgressJob job = ProgressJob.From(TestJobs.Plan("--filename=ram:4m", "--rw=write", "--verify=crc32c"));
        Assert.Equal(2 * 4 * MiB, job.BytesTotal);
    }

    [Theory]
    [InlineData("auto", true, "normal", true, true)]
    [InlineData("auto", false, "normal", true, false)]
    [InlineData("always", false, "normal", true, true)]
    [InlineData("never", true, "normal", true, false)]
    [InlineData("auto", true, "json", true, false)]
    [InlineData("always", true, "terse", true, false)]
    [InlineData("auto", true, "json", false, true)]
    [InlineData("auto", true, "normal,json", true, true)]
    public void TheLineIsShownOnATerminalUnlessTurnedOffOrAScriptReadsStdout(string eta, bool terminal, string format, bool reportOnStdout, bool shown)
    {
        Assert.True(ReportContext.TryParseFormats(format, out OutputFormats formats, out _));
        EtaMode mode = Enum.Parse<EtaMode>(eta, ignoreCase: true);
        Assert.Equal(shown, ProgressPrinter.ShouldShow(mode, terminal, formats, reportOnStdout));
    }

    [Fact]
    public void NoProgressLineWhenTheOutputIsNotATerminal()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, PinIo.Cli.Program.Run(["--filename=ram:4m", "--runtime=50ms"], stdout, new StringWriter()));

        Assert.DoesNotContain("Jobs:", stdout.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\r", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void NoProgressLineWithEtaNeverEvenOnATerminal()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, PinIo.Cli.Program.Run(["--filename=ram:4m", "--runtime=50ms", "--eta=never"], stdout, new StringWriter(), stdoutIsTerminal: true));

        Assert.DoesNotContain("\r", stdout.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ThePrinterOverwritesItsLineWithACarriageReturnAndEndsIt()
    {
        var output = new StringWriter();
        var printer = new ProgressPrinter(TextWriter.Synchronized(output), [TestJobs.Plan("--filename=ram:4m")], [new JobProgress()], Stopwatch.GetTimestamp(), TimeSpan.FromMilliseconds(5));
        using (printer)
        {
            printer.Start();
            SpinWait.SpinUntil(() => printer.Printed, TimeSpan.FromSeconds(30));
            printer.Stop(endLine: true);
        }

        string text = output.ToString();
        Assert.True(printer.Printed);
        Assert.StartsWith("Jobs: 0 (f=0)", text, StringComparison.Ordinal);
        Assert.EndsWith("\r\n", text, StringComparison.Ordinal);
    }

    private static JobProgressSnapshot Running(long read, long readIos, long at, long write = 0, long writeIos = 0) =>
        new(JobPhase.Running, read, write, readIos, writeIos, StartedAt: s_second, TakenAt: at * s_second);
}
