using System.Text.RegularExpressions;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests;

/// <summary>
/// The library's folders are layers and every arrow points down (README's layer table): a file
/// names only types of its own folder or of a folder below it. Namespaced folders show their
/// arrows as <c>using PinIo.X</c> or a qualified <c>X.</c>; <c>Base/</c> and the root (the
/// front door) share the namespace <c>PinIo</c>, so the root's types are found by name.
/// </summary>
public sealed partial class LibraryLayerTests : PinBalancedTest
{
    private const string Root = "";

    /// <summary>Lower ranks are lower layers; folders of one rank may not use each other.</summary>
    private static readonly Dictionary<string, int> Ranks = new(StringComparer.Ordinal)
    {
        ["Base"] = 0,
        ["Linux"] = 1,
        ["Mm"] = 2,
        ["Diagnostics"] = 3,
        ["Iov"] = 3,
        ["Block"] = 4,
        ["Devices"] = 5,
        ["Fs"] = 5,
        [Root] = 6,
    };

    [Fact]
    public void EveryFolderOfTheLibraryIsALayer()
    {
        string[] folders = [.. Directory.GetDirectories(LibraryDirectory()).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj"))!];

        Assert.Equal(Ranks.Keys.Where(k => k != Root).Order(StringComparer.Ordinal), folders.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryFileNamesOnlyItsOwnLayerAndTheLayersBelow()
    {
        string library = LibraryDirectory();
        string[] rootTypes = [.. Directory.GetFiles(library, "*.cs").SelectMany(f => TopLevelTypes().Matches(File.ReadAllText(f)).Select(m => m.Groups["name"].Value))];
        var upward = new List<string>();
        foreach (string file in SourceFiles(library))
        {
            string folder = FolderOf(library, file);
            string code = CodeOnly(File.ReadAllText(file));
            foreach (string used in NamespacesUsed(code).Where(u => u != folder && Ranks[u] >= Ranks[folder]))
            {
                upward.Add($"{Path.GetRelativePath(library, file)} ({folder}) uses {used}");
            }
            if (folder != Root)
            {
                upward.AddRange(rootTypes.Where(t => Regex.IsMatch(code, $@"\b{t}\b"))
                    .Select(t => $"{Path.GetRelativePath(library, file)} ({folder}) uses the front door's {t}: move {t} down to Base/ or to the layer that owns it"));
            }
        }

        Assert.True(upward.Count == 0, string.Join(Environment.NewLine, upward));
    }

    [Fact]
    public void TheCheckFindsAnArrowPointingUp()
    {
        Assert.Equal(["Devices", "Mm"], NamespacesUsed(CodeOnly("using PinIo.Devices;\nvar p = new Mm.PagePool(1); // Fs.X\nvar s = \"Block.Bio\";")).Order(StringComparer.Ordinal));
        Assert.Empty(NamespacesUsed(CodeOnly("x.Linux.Y; /* Iov.Z */")));
    }

    private static IEnumerable<string> SourceFiles(string library) =>
        Directory.EnumerateFiles(library, "*.cs", SearchOption.AllDirectories)
            .Where(f => !FolderOf(library, f).Equals("obj", StringComparison.Ordinal) && !FolderOf(library, f).Equals("bin", StringComparison.Ordinal));

    private static string FolderOf(string library, string file)
    {
        string relative = Path.GetRelativePath(library, file);
        int slash = relative.IndexOf(Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return slash < 0 ? Root : relative[..slash];
    }

    /// <summary>The top folders a file reaches by namespace: <c>using PinIo.X</c>, <c>PinIo.X.</c> or <c>X.</c> not after a dot.</summary>
    private static HashSet<string> NamespacesUsed(string code) =>
        [.. NamespaceReference().Matches(code).Select(m => m.Groups["folder"].Value)];

    /// <summary>The code without comments, strings and character literals, where names may appear without being used.</summary>
    private static string CodeOnly(string source) => CommentOrLiteral().Replace(source, " ");

    private static string LibraryDirectory()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "src", "PinIo");
            if (File.Exists(Path.Combine(candidate, "PinIo.csproj")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"no src/PinIo/ above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"^(?:(?:public|internal|sealed|static|abstract|readonly|partial|unsafe|ref)\s+)*(?:class|struct|enum|interface|record(?:\s+struct|\s+class)?)\s+(?<name>\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelTypes();

    [GeneratedRegex(@"(?<![\w.])(?:using\s+(?:static\s+)?)?(?:PinIo\.)?(?<folder>Linux|Mm|Diagnostics|Iov|Block|Devices|Fs)\.|using\s+PinIo\.(?<folder>Linux|Mm|Diagnostics|Iov|Block|Devices|Fs)\s*;")]
    private static partial Regex NamespaceReference();

    [GeneratedRegex(@"//[^\n]*|/\*[\s\S]*?\*/|""""""[\s\S]*?""""""|\$?@""(?:[^""]|"""")*""|\$?""(?:\\.|[^""\\\n])*""|'(?:\\.|[^'\\\n])+'")]
    private static partial Regex CommentOrLiteral();
}
