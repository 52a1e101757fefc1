using PinIo.Cli.Report;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>fio's terse line, version 3: 121 semicolon-separated fields a job, positional.</summary>
public sealed class ReportTerseTests : PinBalancedTest
{
    [Theory]
    [InlineData("--minimal")]
    [InlineData("--output-format=terse")]
    public void ALineHasFiosHundredAndTwentyOneFields(string format)
    {
        var stdout = new StringWriter();
        Assert.Equal(0, PinIo.Cli.Program.Run(["--filename=ram:8m", "--runtime=100ms", "--rw=randrw", format], stdout, new StringWriter()));

        string line = Assert.Single(stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        string[] fields = line.Split(';');
        Assert.Equal(121, fields.Length);
        Assert.Equal(["3", PinIo.Cli.Report.NormalReport.Version, "main", "0", "0"], fields[..5]);
        // Read: KiB, KiB/s, IOPS, runtime, then slat and clat (4 each), then 20 percentile slots.
        Assert.Equal("1.000000%", fields[17].Split('=')[0]);
        Assert.Equal("99.990000%", fields[33].Split('=')[0]);
        Assert.Equal("0%=0", fields[36]);
        // Write starts after read's 41 fields.
        Assert.True(long.Parse(fields[46], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.EndsWith("%", fields[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void EachBlockIsALineAndADescriptionIsTheLastField()
    {
        JobResult a = TestJobs.Run("--filename=ram:4m", "--runtime=30ms", "--description=left side");
        JobResult b = TestJobs.Run("--filename=ram:4m", "--runtime=30ms");
        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build([a, b]);
        var output = new StringWriter();

        TerseReport.Write(output, blocks, GroupStats.From(blocks), new ReportContext());

        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal(122, lines[0].Split(';').Length);
        Assert.Equal("left side", lines[0].Split(';')[^1]);
        Assert.Equal(121, lines[1].Split(';').Length);
    }

    [Fact]
    public void SeveralFormatsComeInFiosOrder()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, PinIo.Cli.Program.Run(["--filename=ram:4m", "--runtime=40ms", "--output-format=normal,json,terse"], stdout, new StringWriter()));

        string text = stdout.ToString();
        int terse = text.IndexOf($"3;{PinIo.Cli.Report.NormalReport.Version};main;", StringComparison.Ordinal);
        int json = text.IndexOf("\"fio version\"", StringComparison.Ordinal);
        int normal = text.IndexOf("main: (groupid=0", StringComparison.Ordinal);
        Assert.True(terse >= 0 && terse < json && json < normal, text);
    }

    [Theory]
    [InlineData("normal,json", (int)(OutputFormats.Normal | OutputFormats.Json))]
    [InlineData("json+", (int)(OutputFormats.Json | OutputFormats.JsonPlus))]
    [InlineData("terse", (int)OutputFormats.Terse)]
    public void OutputFormatsParseAsFioNamesThem(string text, int expected)
    {
        Assert.True(ReportContext.TryParseFormats(text, out OutputFormats formats, out _));
        Assert.Equal((OutputFormats)expected, formats);
    }

    [Fact]
    public void AnUnknownFormatIsNamed()
    {
        Assert.False(ReportContext.TryParseFormats("json,xml", out _, out string? bad));
        Assert.Equal("xml", bad);
        var stderr = new StringWriter();
        Assert.Equal(1, PinIo.Cli.Program.Run(["--output-format=normal,xml"], new StringWriter(), stderr));
        Assert.Contains("'xml'", stderr.ToString(), StringComparison.Ordinal);
    }
}
