using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary><c>pinio peak</c>: a run prints its figures as text and as JSON; a bad option or setting fails with one named line.</summary>
public sealed class PeakCommandTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void ARun_PrintsIopsPerCore_CpuAndPinsPerRead()
    {
        string path = PatternFile();

        (int status, string stdout, string stderr) = Pinio("peak", "--iodepth=16", "--iodepth_batch_submit=4", "--iodepth_batch_complete=4", "--number_ios=3000", "--verify=1", "--cpus_allowed=0", path);

        Assert.True(status == 0, stderr);
        Assert.Contains("IOPS per core=", stdout, StringComparison.Ordinal);
        Assert.Contains("kernel pins per read=", stdout, StringComparison.Ordinal);
        Assert.Contains("fixedbufs=1 registerfiles=1", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_IsOneObjectWithTheFigures()
    {
        string path = PatternFile();

        (int status, string stdout, string stderr) = Pinio("peak", "--output-format=json", "--fixedbufs=0", "--registerfiles=0", "--number_ios=2000", "--numjobs=2", path);

        Assert.True(status == 0, stderr);
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.Equal(4000, json.RootElement.GetProperty("ios").GetInt64());
        Assert.Equal(0, json.RootElement.GetProperty("fixedbufs").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("threads").GetArrayLength());
        Assert.True(json.RootElement.GetProperty("iops_per_core").GetDouble() > 0);
    }

    [Theory]
    [InlineData("--iodepth=0", "--iodepth=0: give 1 to 4096")]
    [InlineData("--bs=4x", "--bs=4x")]
    [InlineData("--fixedbufs=maybe", "--fixedbufs=maybe")]
    [InlineData("--iodepth=8", "submit batch 32: give 1 to the depth (8)")]
    [InlineData("--size=1g", "give a smaller size")]
    public void BadOptions_FailWithANamedLine(string option, string named)
    {
        string path = PatternFile();

        (int status, string _, string stderr) = Pinio("peak", option, path);

        Assert.Equal(1, status);
        Assert.Contains(named, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void NoTarget_Fails()
    {
        (int status, string _, string stderr) = Pinio("peak", "--iodepth=8");

        Assert.Equal(1, status);
        Assert.Contains("TARGET", stderr, StringComparison.Ordinal);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }

    private static (int Status, string Stdout, string Stderr) Pinio(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int status = PinIo.Cli.Program.Run(args, stdout, stderr);
        return (status, stdout.ToString(), stderr.ToString());
    }

    private string PatternFile()
    {
        string path = _dir.File("peak.dat");
        var bytes = new byte[1 << 20];
        PeakPattern.Fill(bytes, 0);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
