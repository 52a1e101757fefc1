using PinIo.Cli.Logs;
using PinIo.Cli.Stats;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>One log's lines for known entries: fio's columns, and log_avg_msec windows closed, averaged and stamped as fio's add_log_sample does.</summary>
public sealed class SampleLogTests : PinBalancedTest
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"pinio-samplelog-{Guid.NewGuid():N}.log");

    [Fact]
    public void EveryEntryIsALineOfTimeValueDirectionBlockSizeAndPrio()
    {
        string[] lines = Write(new LogPlan(), offPath: false, log =>
        {
            log.Add(0, 52_000, IoDir.Read, 4096, 8192);
            log.Add(3, 1_234_567_890_123, IoDir.Write, 65536, 0);
            log.Finish(5);
        });

        Assert.Equal(["0, 52000, 0, 4096, 0", "3, 1234567890123, 1, 65536, 0"], lines);
    }

    [Fact]
    public void LogOffsetPutsTheOffsetBeforePrio()
    {
        string[] lines = Write(new LogPlan { Offsets = true }, offPath: false, log =>
        {
            log.Add(12, 345, IoDir.Write, 4096, 1L << 40);
            log.Finish(12);
        });

        Assert.Equal(["12, 345, 1, 4096, 1099511627776, 0"], lines);
    }

    [Fact]
    public void AWindowClosesAtTheFirstEntryLogAvgMsecAfterItBeganWithItsMeanRoundedHalfUpAndItsMaximum()
    {
        string[] lines = Write(new LogPlan { AvgMsec = 100, WindowValue = WindowValue.MeanAndMax, Offsets = true }, offPath: false, log =>
        {
            log.Add(10, 1, IoDir.Read, 4096, 4096);
            log.Add(50, 2, IoDir.Read, 4096, 8192);
            log.Add(60, 7, IoDir.Write, 4096, 0);
            log.Add(99, 2, IoDir.Read, 4096, 0);
            log.Add(100, 2, IoDir.Read, 4096, 0);
            log.Add(150, 4, IoDir.Read, 4096, 0);
            log.Add(199, 5, IoDir.Read, 4096, 0);
            log.Finish(230);
        });

        Assert.Equal(
            [
                "100, 2, 2, 0, 0, 0, 0",   // 1, 2, 2, 2: mean 1.75; the window began at 0
                "230, 5, 5, 0, 0, 0, 0",   // 4, 5: mean 4.5, rounded up; the window began at 100
                "230, 7, 7, 1, 0, 0, 0",   // the write window, never closed by a write
            ],
            lines);
    }

    [Fact]
    public void LogMaxValueLogsTheWindowsMaximumAlone()
    {
        string[] lines = Write(new LogPlan { AvgMsec = 50, WindowValue = WindowValue.Max }, offPath: false, log =>
        {
            log.Add(10, 9, IoDir.Read, 4096, 0);
            log.Add(20, 3, IoDir.Read, 4096, 0);
            log.Add(55, 4, IoDir.Read, 4096, 0);
            log.Finish(60);
        });

        Assert.Equal(["55, 9, 0, 0, 0"], lines);
    }

    [Fact]
    public void AnEntryMadeOffTheIoPathClosesItsWindowAMillisecondEarly()
    {
        var plan = new LogPlan { AvgMsec = 100 };

        string[] onPath = Write(plan, offPath: false, log =>
        {
            log.Add(99, 10, IoDir.Read, 0, 0);
            log.Add(100, 20, IoDir.Read, 0, 0);
        });
        string[] offPath = Write(plan, offPath: true, log =>
        {
            log.Add(99, 10, IoDir.Read, 0, 0);
            log.Add(100, 20, IoDir.Read, 0, 0);
        });

        Assert.Equal(["100, 15, 0, 0, 0"], onPath);
        // Closed at 99, the next window still begins at 0, so the entry at 100 closes it in turn.
        Assert.Equal(["99, 10, 0, 0, 0", "100, 20, 0, 0, 0"], offPath);
    }

    [Fact]
    public void LinesBeyondOneBufferAreWrittenWholeAndInOrder()
    {
        const int Entries = 20_000;

        string[] lines = Write(new LogPlan(), offPath: false, log =>
        {
            for (int i = 0; i < Entries; i++)
            {
                log.Add(i / 10, 1_000_000 + i, (IoDir)(i % 2), 4096, 0);
            }
            log.Finish(Entries / 10);
        });

        Assert.Equal(Entries, lines.Length);
        for (int i = 0; i < Entries; i++)
        {
            Assert.Equal($"{i / 10}, {1_000_000 + i}, {i % 2}, 4096, 0", lines[i]);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            File.Delete(_path);
        }
        base.Dispose(disposing);
    }

    /// <summary>Fills a fresh log through <paramref name="fill"/> (which ends it with Finish when it wants the open windows) and returns the file's lines.</summary>
    private string[] Write(LogPlan plan, bool offPath, Action<SampleLog> fill)
    {
        using (var file = new LogFile(_path, append: false))
        {
            var log = new SampleLog(file, "write_lat_log", plan, offPath);
            fill(log);
            log.Finish(long.MaxValue / 2);
            Assert.Null(log.Error);
        }
        return File.ReadAllLines(_path);
    }
}
