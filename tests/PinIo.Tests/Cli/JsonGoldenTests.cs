using System.Text.Json;
using System.Text.RegularExpressions;
using PinIo.Cli.Report;
using PinIo.Cli.Runner;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// pinio's JSON against fio's: every key path of a document fio wrote (Golden/) must be in
/// pinio's document for a job of the same shape, so that scripts written for fio's JSON find
/// what they look for; values are not compared.
/// </summary>
public sealed class JsonGoldenTests : PinBalancedTest
{
    [Theory]
    [InlineData("randread", "fio-3.33-randread.json")]
    [InlineData("randwrite", "fio-3.33-randwrite.json")]
    public void EveryKeyPathOfFiosDocumentIsInPiniosDocument(string rw, string golden)
    {
        string fio = File.ReadAllText(Path.Combine(GoldenDirectory(), golden));
        string pinio = RunJson("--name=t", "--filename=ram:8m", "--size=8m", "--bs=4k", "--iodepth=32", "--ioengine=io_uring", "--runtime=150ms", "--time_based", $"--rw={rw}");

        SortedSet<string> expected = KeyPaths(fio);
        SortedSet<string> actual = KeyPaths(pinio);

        Assert.NotEmpty(expected);
        string[] missing = [.. expected.Except(actual)];
        Assert.True(missing.Length == 0, "missing from pinio's JSON: " + string.Join(", ", missing));
        Assert.Contains("/jobs[]/pins/pinio/per_io", actual);
        Assert.Contains("/disk_util", actual);
    }

    [Fact]
    public void PercentileKeysHaveSixDecimalsAndFloatsAreWrittenAsFioWritesThem()
    {
        string text = RunJson("--filename=ram:8m", "--runtime=100ms", "--percentile_list=50:99:99.9:99.99");
        using JsonDocument doc = JsonDocument.Parse(text);
        JsonElement percentile = doc.RootElement.GetProperty("jobs")[0].GetProperty("read").GetProperty("clat_ns").GetProperty("percentile");

        string[] keys = [.. percentile.EnumerateObject().Select(p => p.Name)];
        Assert.Equal(["50.000000", "99.000000", "99.900000", "99.990000"], keys);
        Assert.All(percentile.EnumerateObject(), p => Assert.Equal(JsonValueKind.Number, p.Value.ValueKind));
        Assert.Matches(FloatMember("iops"), text);
        Assert.Matches(FloatMember("usr_cpu"), text);
        Assert.Matches(FloatMember("bw_agg"), text);
        Assert.Matches(new Regex("\"latency_percentile\" : 100\\.000000"), text);
        // fio's layout: two spaces a level and "name" : value.
        Assert.StartsWith("{\n  \"fio version\" : \"pinio-", text, StringComparison.Ordinal);
        Assert.Equal("99.990000", JsonReport.PercentileKey(99.99));
    }

    [Fact]
    public void JsonPlusAddsTheClatBinsOfEveryDirectionThatRan()
    {
        string text = RunJson("--filename=ram:8m", "--runtime=100ms", "--rw=randrw", "--output-format=json+");
        using JsonDocument doc = JsonDocument.Parse(text);
        JsonElement job = doc.RootElement.GetProperty("jobs")[0];

        foreach (string dir in (string[])["read", "write"])
        {
            JsonElement clat = job.GetProperty(dir).GetProperty("clat_ns");
            JsonElement bins = clat.GetProperty("bins");
            Assert.All(bins.EnumerateObject(), b => Assert.True(long.TryParse(b.Name, out _), b.Name));
            Assert.Equal(clat.GetProperty("N").GetInt64(), bins.EnumerateObject().Sum(b => b.Value.GetInt64()));
        }
        Assert.False(job.GetProperty("read").GetProperty("lat_ns").TryGetProperty("bins", out _));
    }

    [Fact]
    public void PlainJsonHasNoBins()
    {
        using JsonDocument doc = JsonDocument.Parse(RunJson("--filename=ram:4m", "--runtime=50ms"));
        Assert.False(doc.RootElement.GetProperty("jobs")[0].GetProperty("read").GetProperty("clat_ns").TryGetProperty("bins", out _));
    }

    [Fact]
    public void GroupReportingGivesOneJobEntryWithSummedCounters()
    {
        JobResult a = TestJobs.Run("--filename=ram:4m", "--runtime=60ms");
        JobResult b = TestJobs.Run("--filename=ram:4m", "--runtime=60ms");
        IReadOnlyList<ThreadStat> blocks = ThreadStat.Build([a, b], _ => new ReportOptions { GroupReporting = true });
        var output = new StringWriter();

        JsonReport.Write(output, blocks, GroupStats.From(blocks), new ReportContext(), plus: false);

        using JsonDocument doc = JsonDocument.Parse(output.ToString());
        JsonElement jobs = doc.RootElement.GetProperty("jobs");
        Assert.Equal(1, jobs.GetArrayLength());
        JsonElement read = jobs[0].GetProperty("read");
        Assert.Equal(a.Stats.Read.IoBytes + b.Stats.Read.IoBytes, read.GetProperty("io_bytes").GetInt64());
        Assert.Equal(a.Stats.Read.TotalIos + b.Stats.Read.TotalIos, read.GetProperty("clat_ns").GetProperty("N").GetInt64());
        Assert.Equal(a.RuntimeMs + b.RuntimeMs, jobs[0].GetProperty("job_runtime").GetInt64());
    }

    [Fact]
    public void TheDocumentParsesWhenAJobHasNoIo()
    {
        var output = new StringWriter();
        JsonReport.Write(output, [], GroupStats.From([]), new ReportContext(), plus: true);
        using JsonDocument doc = JsonDocument.Parse(output.ToString());
        Assert.Equal(0, doc.RootElement.GetProperty("jobs").GetArrayLength());
    }

    /// <summary>Every object member's path, arrays written as "[]" ("/jobs[]/read/iops").</summary>
    internal static SortedSet<string> KeyPaths(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json[json.IndexOf('{', StringComparison.Ordinal)..]);
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        Walk(doc.RootElement, "", paths);
        return paths;
    }

    private static void Walk(JsonElement element, string path, SortedSet<string> paths)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    string child = path + "/" + property.Name;
                    // Histogram bins are keyed by latency: which keys appear depends on the run.
                    if (!path.EndsWith("/bins", StringComparison.Ordinal))
                    {
                        paths.Add(child);
                        Walk(property.Value, child, paths);
                    }
                }
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    Walk(item, path + "[]", paths);
                }
                break;
        }
    }

    private static string RunJson(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] all = args.Any(a => a.StartsWith("--output-format", StringComparison.Ordinal)) ? args : [.. args, "--output-format=json"];
        Assert.True(PinIo.Cli.Program.Run(all, stdout, stderr) == 0, stderr.ToString());
        return stdout.ToString();
    }

    private static Regex FloatMember(string name) => new($"\"{name}\" : -?\\d+\\.\\d{{6}}(,|\\n)");

    /// <summary>tests/PinIo.Tests/Cli/Golden, found from the test assembly's folder up.</summary>
    private static string GoldenDirectory()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "PinIo.Tests", "Cli", "Golden");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
            candidate = Path.Combine(dir.FullName, "Cli", "Golden");
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(candidate, "fio-3.33-randread.json")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("tests/PinIo.Tests/Cli/Golden not found above " + AppContext.BaseDirectory);
    }
}
