using System.Globalization;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Linux;

/// <summary>
/// The fork question, kept answered: dotnet/runtime#27408 gives fork(2) as a reason for .NET
/// not to offer O_DIRECT (a child sharing pages copy-on-write while the kernel writes into
/// them). PinIo's reads into managed arrays, pool memory and native memory, on both engines,
/// while another thread forks both ways, must land every byte where it belongs, and leave
/// pins balanced. bench/fork-soak.sh runs the same for longer
/// (PINIO_FORK_SOAK_SECONDS, default here 3; PINIO_FORK_SOAK_REPORT names a file for the counts).
/// </summary>
public sealed class ForkDirectIoTests(ITestOutputHelper output) : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task DirectIoReadsWhileAnotherThreadForks_LandEveryByte_AndBalanceThePins()
    {
        long leakedBefore = PinStats.LeakedPoolPages;
        var soak = new FileForkSoak(_dir.File("fork-soak"));
        soak.WriteFile();
        TimeSpan duration = TimeSpan.FromSeconds(SecondsFromEnvironment());

        using (FilePinRecording.Suspend())
        {
            await soak.RunAsync(duration);
        }

        string counts = soak.Describe();
        output.WriteLine($"{duration.TotalSeconds} s: {counts}");
        if (Environment.GetEnvironmentVariable("PINIO_FORK_SOAK_REPORT") is { Length: > 0 } report)
        {
            File.WriteAllText(report, $"duration {duration.TotalSeconds} s, {counts}{Environment.NewLine}");
        }
        Assert.True(soak.Reads > 0 && soak.BytesChecked > 0, "no read completed");
        Assert.True(soak.ProcessStarts > 0 && soak.RawForks > 0, $"the forker did not fork both ways: {counts}");
        Assert.Equal(0, soak.BadChildren);
        Assert.Equal(0, soak.WrongBytes);
        Assert.True(soak.PinsAcquired > 0, "no read pinned anything: the managed and native reads were not Direct I/O");
        Assert.Equal(soak.PinsAcquired, soak.PinsReleased);
        Assert.Equal(leakedBefore, PinStats.LeakedPoolPages);
    }

    private static double SecondsFromEnvironment() =>
        double.TryParse(Environment.GetEnvironmentVariable("PINIO_FORK_SOAK_SECONDS"), NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0
            ? s
            : 3;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
