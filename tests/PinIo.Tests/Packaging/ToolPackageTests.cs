using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Xml.Linq;
using PinIo.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Packaging;

/// <summary>
/// The two packages as a user gets them (issue 13, item 1): PinIo and PinIo.Tool packed from the
/// build these tests came from into a temporary feed, what each package carries, and the tool
/// installed from that feed into a temporary tool path and run for a one-second job.
/// Everything it writes is under one temporary folder (the feed, the nuspecs, the tool's publish
/// folder, NuGet's package cache), so a cached PinIo.Tool of the same version cannot stand in for
/// the one just packed, and NuGet sees no source but the feed: no network is needed.
/// </summary>
public sealed class ToolPackageTests : PinBalancedTest
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private readonly ITestOutputHelper _output;
    private readonly string _work = Directory.CreateTempSubdirectory("pinio-pack-").FullName;

    public ToolPackageTests(ITestOutputHelper output)
    {
        _output = output;
    }

    /// <summary>The version both packages carry: the one Directory.Build.props declares, as this build has it.</summary>
    private static string PackageVersion =>
        typeof(PinIo.Mm.PinStats).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!
            .InformationalVersion.Split('+')[0];

    [SkippableFact]
    public void TheToolInstallsFromALocalFeedAndRunsAJob()
    {
        string dotnet = Requires.Available(DotnetHost(), "no dotnet host: the tests do not run under dotnet here");
        string repository = Requires.Available(RepositoryRoot(), $"the repository's src/ is not above the test build ({AppContext.BaseDirectory})");
        Requires.That(File.Exists(Path.Combine(repository, "src", "PinIo.Cli", "bin", Configuration, "net10.0", "PinIo.Cli.dll")),
            $"no {Configuration} build of src/PinIo.Cli beside the sources (built elsewhere with -o?): nothing to pack");
        string feed = Path.Combine(_work, "feed");

        Pack(dotnet, repository, "PinIo", feed);
        Pack(dotnet, repository, "PinIo.Cli", feed);

        AssertLibraryPackage(feed, repository);
        AssertToolPackage(feed);

        string tools = InstallTool(dotnet, feed);
        string pinio = Path.Combine(tools, "pinio");
        Assert.Equal($"pinio-{PackageVersion}", Run(pinio, "--version").Trim());

        string report = Run(pinio, "--name=t", "--filename=ram:64m", "--rw=randread", "--runtime=1", "--time_based");
        Assert.Contains($"pinio-{PackageVersion}", report, StringComparison.Ordinal);
        Assert.Contains("t: (groupid=0, jobs=1): err= 0:", report, StringComparison.Ordinal);
        Assert.Contains("  read: IOPS=", report, StringComparison.Ordinal);
        Assert.Contains("Run status group 0 (all jobs):", report, StringComparison.Ordinal);
    }

    /// <summary>
    /// Packs the existing build (--no-build: the test must not rebuild the tree it runs from),
    /// with the generated nuspec and the tool's publish folder in the temporary folder.
    /// </summary>
    private void Pack(string dotnet, string repository, string project, string feed)
    {
        string scratch = Path.Combine(_work, "obj", project) + Path.DirectorySeparatorChar;
        Run(dotnet, "pack", Path.Combine(repository, "src", project, project + ".csproj"),
            "-c", Configuration, "--no-build", "-o", feed, "-nodeReuse:false", "-maxCpuCount:1",
            $"-p:NuspecOutputPath={scratch}nuspec{Path.DirectorySeparatorChar}",
            $"-p:PublishDir={scratch}publish{Path.DirectorySeparatorChar}");
    }

    private static void AssertLibraryPackage(string feed, string repository)
    {
        (XElement metadata, string[] entries) = ReadPackage(Path.Combine(feed, $"PinIo.{PackageVersion}.nupkg"));
        AssertCommonMetadata(metadata, "PinIo");
        Assert.Contains("lib/net10.0/PinIo.dll", entries);
        Assert.Contains("lib/net10.0/PinIo.xml", entries);
        // A Native AOT application of the package binds libc at link time, directly or through another package.
        Assert.Contains("build/PinIo.targets", entries);
        Assert.Contains("buildTransitive/PinIo.targets", entries);
        XElement directPInvoke = Assert.Single(Descendants(ReadEntry(Path.Combine(feed, $"PinIo.{PackageVersion}.nupkg"), "build/PinIo.targets"), "DirectPInvoke"));
        Assert.Equal("libc", directPInvoke.Attribute("Include")?.Value);
        Assert.Contains("PublishAot", directPInvoke.Parent!.Attribute("Condition")?.Value ?? "", StringComparison.Ordinal);
        // The package's dependencies are the library's package references, no more and no fewer.
        string[] references = XElement.Load(Path.Combine(repository, "src", "PinIo", "PinIo.csproj"))
            .Descendants("PackageReference").Select(r => r.Attribute("Include")!.Value).Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(references);
        Assert.Equal(references, Descendants(metadata, "dependency").Select(d => d.Attribute("id")!.Value).Order(StringComparer.Ordinal));
        Assert.Contains("lib/net10.0/PinIo.pdb", ReadPackage(Path.Combine(feed, $"PinIo.{PackageVersion}.snupkg")).Entries);
    }

    private static void AssertToolPackage(string feed)
    {
        string package = Path.Combine(feed, $"PinIo.Tool.{PackageVersion}.nupkg");
        (XElement metadata, string[] entries) = ReadPackage(package);
        AssertCommonMetadata(metadata, "PinIo.Tool");
        Assert.Equal("DotnetTool", Descendants(metadata, "packageType").Single().Attribute("name")!.Value);
        Assert.Contains("tools/net10.0/any/PinIo.Cli.dll", entries);
        Assert.Contains("tools/net10.0/any/PinIo.dll", entries);
        using ZipArchive zip = ZipFile.OpenRead(package);
        using var settings = new StreamReader(zip.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!.Open());
        XElement command = XElement.Parse(settings.ReadToEnd()).Descendants("Command").Single();
        Assert.Equal("pinio", command.Attribute("Name")!.Value);
        Assert.Equal("PinIo.Cli.dll", command.Attribute("EntryPoint")!.Value);
        Assert.True(File.Exists(Path.Combine(feed, $"PinIo.Tool.{PackageVersion}.snupkg")), "no symbol package for PinIo.Tool");
    }

    /// <summary>What both packages must say about themselves (Directory.Build.props and each csproj).</summary>
    private static void AssertCommonMetadata(XElement metadata, string id)
    {
        Assert.Equal(id, Value(metadata, "id"));
        Assert.Equal(PackageVersion, Value(metadata, "version"));
        Assert.Equal("PinIo contributors", Value(metadata, "authors"));
        XElement license = Child(metadata, "license")!;
        Assert.Equal(("expression", "MIT"), (license.Attribute("type")!.Value, license.Value));
        Assert.Equal("README.md", Value(metadata, "readme"));
        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")), $"{id} has no description");
        Assert.Contains("direct-io", Value(metadata, "tags").Split(' '));
        Assert.Equal("git", Child(metadata, "repository")!.Attribute("type")!.Value);
    }

    private static (XElement Metadata, string[] Entries) ReadPackage(string path)
    {
        Assert.True(File.Exists(path), $"not packed: {path}");
        using ZipArchive zip = ZipFile.OpenRead(path);
        string[] entries = [.. zip.Entries.Select(e => e.FullName)];
        ZipArchiveEntry nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal) && !e.FullName.Contains('/', StringComparison.Ordinal));
        using Stream stream = nuspec.Open();
        return (Child(XDocument.Load(stream).Root!, "metadata")!, entries);
    }

    private static XElement ReadEntry(string package, string entry)
    {
        using ZipArchive zip = ZipFile.OpenRead(package);
        using Stream stream = zip.GetEntry(entry)!.Open();
        return XDocument.Load(stream).Root!;
    }

    private static string Value(XElement metadata, string name) => Child(metadata, name)?.Value ?? string.Empty;

    /// <summary>An element by its local name: the nuspec's namespace depends on the schema version NuGet wrote.</summary>
    private static XElement? Child(XElement parent, string name) => parent.Elements().FirstOrDefault(e => e.Name.LocalName == name);

    private static IEnumerable<XElement> Descendants(XElement parent, string name) => parent.Descendants().Where(e => e.Name.LocalName == name);

    /// <summary>
    /// Installs PinIo.Tool from <paramref name="feed"/> alone (a nuget.config that clears every
    /// other source) with NuGet's package cache in the temporary folder; returns the tool path.
    /// </summary>
    private string InstallTool(string dotnet, string feed)
    {
        string config = Path.Combine(_work, "nuget.config");
        new XDocument(new XElement("configuration", new XElement("packageSources",
            new XElement("clear"), new XElement("add", new XAttribute("key", "feed"), new XAttribute("value", feed))))).Save(config);
        string tools = Path.Combine(_work, "tools");
        Run(dotnet, "tool", "install", "PinIo.Tool", "--version", PackageVersion, "--tool-path", tools, "--configfile", config);
        return tools;
    }

    /// <summary>Runs a command to its end (at most <see cref="CommandTimeout"/>) and returns its standard output; fails the test with both outputs when it fails.</summary>
    private string Run(string program, params string[] arguments)
    {
        ProcessStartInfo start = FileShell.StartInfo(program, arguments);
        PrepareEnvironment(start);
        string command = $"{Path.GetFileName(program)} {string.Join(' ', arguments)}";
        _output.WriteLine($"$ {command}");
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{command} did not end within {CommandTimeout.TotalSeconds} s");
        }
        process.WaitForExit();
        string output = stdout.GetAwaiter().GetResult();
        string errors = stderr.GetAwaiter().GetResult();
        _output.WriteLine(output + errors);
        Assert.True(process.ExitCode == 0, $"{command} failed ({process.ExitCode}):{Environment.NewLine}{output}{errors}");
        return output;
    }

    /// <summary>
    /// The children get NuGet's cache in the temporary folder and the dotnet this test runs on,
    /// and none of the MSBuild variables <c>dotnet test</c> passes to its test host (they would
    /// point the nested build at the outer one's state).
    /// </summary>
    private void PrepareEnvironment(ProcessStartInfo start)
    {
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }
        start.Environment["NUGET_PACKAGES"] = Path.Combine(_work, "packages");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        if (DotnetHost() is string dotnet)
        {
            start.Environment["DOTNET_ROOT"] = Path.GetDirectoryName(dotnet);
        }
    }

    /// <summary>The dotnet host the tests run under, or the one on PATH; null when there is none.</summary>
    private static string? DotnetHost()
    {
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            return Environment.ProcessPath;
        }
        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "dotnet"))
            .FirstOrDefault(File.Exists);
    }

    private static string? RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Combine(dir.FullName, "src", "PinIo.Cli")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    protected override void Dispose(bool disposing)
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A tool still held open is removed with the rest of /tmp; the balance check below matters more.
        }
        base.Dispose(disposing);
    }
}
