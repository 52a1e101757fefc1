using PinIo.Cli.Options;

namespace PinIo.Cli.Fsx;

/// <summary><c>pinio fsx [--option=value ...]</c>: parses, runs, prints the summary. Exit status 0, or 1 for a bad option, an error or a mismatch.</summary>
internal static class FsxCommand
{
    public const string Name = "fsx";

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, CancellationToken ct = default)
    {
        FsxOptions options;
        try
        {
            options = FsxOptions.Parse(args);
        }
        catch (OptionException e)
        {
            stderr.WriteLine(e.Message);
            return 1;
        }
        if (options.Help)
        {
            stdout.WriteLine(FsxOptions.HelpText());
            return 0;
        }
        stdout.WriteLine($"fsx: seed {options.Seed}, {options.Ops} operations, path {options.Path.ToString().ToLowerInvariant()}{(options.PowerCut ? ", power cuts" : "")}, logical block {options.LogicalBlock}, fs block {options.FsBlock}, file up to {options.MaxFileBytes} bytes");
        FsxResult result;
        try
        {
            using var run = new FsxRun(options);
            result = run.Run(stdout, ct);
        }
        catch (DirectIoException e)
        {
            stderr.WriteLine($"pinio fsx: {e.Message}");
            return 1;
        }
        stdout.WriteLine(result.Summary());
        return result.Mismatches == 0 ? 0 : 1;
    }
}
