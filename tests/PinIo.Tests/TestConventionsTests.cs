using System.Text.RegularExpressions;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests;

/// <summary>
/// The test project's own rule: a test that cannot run on a machine reports Skipped, never
/// Passed (see <see cref="Requires"/>). This scans the project's source for the old way, a
/// test that writes why it cannot run and returns, or returns when what it needs is null.
/// </summary>
public sealed partial class TestConventionsTests : PinBalancedTest
{
    [SkippableFact]
    public void NoTestReturnsAsPassed_WhereItCannotRun()
    {
        string project = Requires.Available(FindProjectDirectory(), $"the test project's source is not above its build output ({AppContext.BaseDirectory})");
        List<string> found = [];
        foreach (string file in Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(project, file);
            if (relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                || relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }
            found.AddRange(SilentPasses(File.ReadAllText(file)).Select(line => $"{relative}:{line}"));
        }

        Assert.True(found.Count == 0,
            $"tests that pass without running where the machine lacks something; end them Skipped with Requires.Available / Requires.That under [SkippableFact] or [SkippableTheory]:{Environment.NewLine}"
            + string.Join(Environment.NewLine, found));
    }

    /// <summary>The scan finds each form of the old pattern (so the check above can fail) and leaves a real skip alone.</summary>
    [Theory]
    [InlineData("using IoUringRing? ring = Rings.TryCreate(output, 4);\n        if (ring is null)\n        {\n            return;\n        }", true)]
    [InlineData("string? node = BlockDevices.FindAnyNode();\n        if (node is null)\n        {\n            return; // no block device node visible here\n        }", true)]
    [InlineData("if (ext4 is null)\n        {\n            output.WriteLine($\"cannot mount a small ext4 here: {reason}\");\n            return;\n        }", true)]
    [InlineData("output.WriteLine(\"skipped: no block device this process may open\");", true)]
    [InlineData("using FileLoopDevice loop = FileLoopDevice.Create(1 << 20);\n        Requires.That(entersRegistered is not null, \"not checked\");", false)]
    public void TheScan_FindsTheOldPattern(string source, bool isSilentPass)
    {
        Assert.Equal(isSilentPass, SilentPasses(source).Any());
    }

    /// <summary>Line numbers in <paramref name="source"/> where a test would report Passed having tested nothing.</summary>
    private static IEnumerable<int> SilentPasses(string source) =>
        new[] { SaysSkippedInItsOutput(), ReturnsAfterOnlySayingWhy(), ReturnsWhenWhatItNeedsIsNull() }
            .SelectMany(pattern => pattern.Matches(source))
            .Select(match => source.AsSpan(0, match.Index).Count('\n') + 1)
            .Distinct()
            .Order();

    [GeneratedRegex("""WriteLine\(\$?@?"(skipped|not checked)""", RegexOptions.IgnoreCase)]
    private static partial Regex SaysSkippedInItsOutput();

    [GeneratedRegex("""\{\s*output\.WriteLine\([^;]*\);\s*return;\s*\}""")]
    private static partial Regex ReturnsAfterOnlySayingWhy();

    [GeneratedRegex("""(\w+)\s*=\s*[^;]*;\s*if\s*\(\s*\1\s+is\s+null\s*\)\s*\{?\s*return;""")]
    private static partial Regex ReturnsWhenWhatItNeedsIsNull();

    private static string? FindProjectDirectory()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "PinIo.Tests.csproj")))
            {
                return directory.FullName;
            }
        }
        return null;
    }
}
