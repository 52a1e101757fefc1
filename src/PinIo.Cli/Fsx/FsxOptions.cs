using System.Globalization;
using System.Text;
using PinIo.Cli.Options;
using PinIo.Fs;

namespace PinIo.Cli.Fsx;

/// <summary>
/// <c>pinio fsx</c>'s settings. Each option is declared once in <see cref="All"/> (name, value
/// name, help, how it sets the settings), from which both the parser and <c>--help</c> are made;
/// sizes take fio's units (4k, 1m).
/// </summary>
internal sealed record FsxOptions
{
    public ulong Seed { get; init; } = (ulong)Environment.TickCount64;

    public long Ops { get; init; } = 10_000;

    public DirectIoPath Path { get; init; } = DirectIoPath.Iomap;

    /// <summary>Bytes of the RAM disk the Volume is formatted on.</summary>
    public long DeviceBytes { get; init; } = 64L << 20;

    /// <summary>The device's logical block: the alignment of every Direct I/O.</summary>
    public int LogicalBlock { get; init; } = 512;

    /// <summary>The Volume's file-system block.</summary>
    public int FsBlock { get; init; } = 4096;

    /// <summary>The file never grows past this (fsx's maxfilelen).</summary>
    public long MaxFileBytes { get; init; } = 1L << 20;

    /// <summary>The largest read or write.</summary>
    public int MaxIoBytes { get; init; } = 64 << 10;

    /// <summary>How many of the last operations the log keeps and prints on a mismatch.</summary>
    public int LogOps { get; init; } = 64;

    /// <summary>Power-cut mode: the Volume sits on a FaultDevice with a volatile write cache; every so often the power is cut.</summary>
    public bool PowerCut { get; init; }

    /// <summary>The Volume's page cache in bytes; 0: four times <see cref="MaxFileBytes"/> (a new cache is taken at every mount, so not the library's 64 MiB).</summary>
    public long CacheBytes { get; init; }

    /// <summary>Buffered reads and writes and mapped ranges mixed into the stream (off: the Direct I/O stream alone, as before the page cache).</summary>
    public bool CacheOps { get; init; } = true;

    /// <summary>Print each operation as it is done.</summary>
    public bool Verbose { get; init; }

    public bool Help { get; init; }

    /// <summary>One option: <c>--name=VALUE</c> (or <c>--name VALUE</c>); a flag takes no value.</summary>
    internal sealed record Def(string Name, string? ValueName, string Help, Func<FsxOptions, string, FsxOptions> Apply);

    public static IReadOnlyList<Def> All { get; } =
    [
        new("seed", "N", "Seed of the operation stream (default: from the clock; printed either way)", (o, v) => o with { Seed = ParseUlong("seed", v) }),
        new("ops", "N", "Number of operations (default 10000)", (o, v) => o with { Ops = ParseCount("ops", v) }),
        new("path", "iomap|legacy", "The Volume's Direct I/O path (default iomap)", (o, v) => o with { Path = ParsePath(v) }),
        new("size", "SIZE", "RAM disk the Volume is formatted on (default 64m)", (o, v) => o with { DeviceBytes = ParseSize("size", v) }),
        new("logical-block", "512|4096", "The device's logical block: every read and write is aligned to it (default 512)", (o, v) => o with { LogicalBlock = ParseBlock("logical-block", v, 512, 4096) }),
        new("fs-block", "SIZE", "The Volume's block, a power of two from 4k (default 4k)", (o, v) => o with { FsBlock = ParseBlock("fs-block", v, 4096, 1 << 20) }),
        new("max-file", "SIZE", "Largest file length (default 1m)", (o, v) => o with { MaxFileBytes = ParseSize("max-file", v) }),
        new("max-io", "SIZE", "Largest read or write (default 64k)", (o, v) => o with { MaxIoBytes = (int)Math.Min(int.MaxValue, ParseSize("max-io", v)) }),
        new("log", "N", "Operations kept in the log printed at the first mismatch (default 64)", (o, v) => o with { LogOps = (int)Math.Min(1 << 20, ParseCount("log", v)) }),
        new("powercut", null, "Crash mode: a volatile write cache under the Volume, cut at random points; after each cut the Volume is mounted again and must pass Check() and hold every flushed byte", (o, _) => o with { PowerCut = true }),
        new("cache", "SIZE", "The Volume's page cache (default 4x --max-file; below --max-file it evicts under the run)", (o, v) => o with { CacheBytes = ParseSize("cache", v) }),
        new("no-cache-ops", null, "Direct I/O operations only: no buffered reads and writes, no mapped ranges (the same stream for a seed as before they existed)", (o, _) => o with { CacheOps = false }),
        new("verbose", null, "Print every operation", (o, _) => o with { Verbose = true }),
        new("help", null, "This text", (o, _) => o with { Help = true }),
    ];

    /// <summary>Parses fsx's arguments; throws <see cref="OptionException"/> naming what to change.</summary>
    public static FsxOptions Parse(IReadOnlyList<string> args)
    {
        var options = new FsxOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new OptionException($"pinio fsx: unexpected argument '{arg}' (options are --name=value; see pinio fsx --help)");
            }
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? arg[2..] : arg[2..equals];
            Def def = All.FirstOrDefault(d => d.Name == name) ?? throw new OptionException($"pinio fsx: unknown option '--{name}' (see pinio fsx --help)");
            string? value = equals < 0 ? null : arg[(equals + 1)..];
            if (def.ValueName is null)
            {
                if (value is not null)
                {
                    throw new OptionException($"pinio fsx: --{name} takes no value");
                }
                value = "";
            }
            else if (value is null)
            {
                value = i + 1 < args.Count ? args[++i] : throw new OptionException($"pinio fsx: --{name} needs a value: --{name}={def.ValueName}");
            }
            options = def.Apply(options, value);
        }
        return options.Validate();
    }

    public static string HelpText()
    {
        var text = new StringBuilder();
        text.AppendLine("pinio fsx: a randomized file-system exerciser (after xfstests' fsx) for a file inside a PinIo Volume.");
        text.AppendLine("Random Direct I/O reads and writes (aligned to the device's logical block: into holes, appending,");
        text.AppendLine("overwriting), buffered reads and writes at any byte through the Volume's page cache, mapped ranges");
        text.AppendLine("read and written, truncates up and down, fallocate, punch hole, fsync and remount, each checked against");
        text.AppendLine("an in-memory model of the file's bytes and length. The first mismatch prints the log of the last");
        text.AppendLine("operations and the offset of the first wrong byte, and the exit status is 1.");
        text.AppendLine();
        text.AppendLine("Options:");
        foreach (Def def in All)
        {
            string head = def.ValueName is null ? $"--{def.Name}" : $"--{def.Name}={def.ValueName}";
            text.Append("  ").Append(head.PadRight(26)).Append(' ').AppendLine(def.Help);
        }
        return text.ToString().TrimEnd();
    }

    private FsxOptions Validate()
    {
        if (MaxIoBytes < LogicalBlock || MaxIoBytes % LogicalBlock != 0)
        {
            throw new OptionException($"pinio fsx: --max-io={MaxIoBytes} must be a positive multiple of the {LogicalBlock}-byte logical block");
        }
        if (MaxFileBytes < MaxIoBytes || MaxFileBytes % LogicalBlock != 0)
        {
            throw new OptionException($"pinio fsx: --max-file={MaxFileBytes} must be a multiple of the logical block and at least --max-io ({MaxIoBytes})");
        }
        if (MaxFileBytes > int.MaxValue)
        {
            throw new OptionException($"pinio fsx: --max-file={MaxFileBytes}: the model keeps the file in memory; give at most 2g-1");
        }
        if (DeviceBytes < 4 * MaxFileBytes || DeviceBytes % 4096 != 0)
        {
            throw new OptionException($"pinio fsx: --size={DeviceBytes} must be a multiple of 4k and at least 4x --max-file ({4 * MaxFileBytes}) to leave room for metadata");
        }
        return this;
    }

    private static long ParseSize(string name, string value)
    {
        try
        {
            long size = ValueParsers.ParseSize(value);
            return size > 0 ? size : throw new OptionException($"pinio fsx: --{name}={value}: give a size above zero");
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new OptionException($"pinio fsx: --{name}={value}: {e.Message}", e);
        }
    }

    private static int ParseBlock(string name, string value, int min, int max)
    {
        long size = ParseSize(name, value);
        return size >= min && size <= max && (size & (size - 1)) == 0
            ? (int)size
            : throw new OptionException($"pinio fsx: --{name}={value}: give a power of two from {min} to {max}");
    }

    private static long ParseCount(string name, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0
            ? n
            : throw new OptionException($"pinio fsx: --{name}={value}: give a whole number above zero");

    private static ulong ParseUlong(string name, string value) =>
        ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n)
            ? n
            : throw new OptionException($"pinio fsx: --{name}={value}: give a whole number");

    private static DirectIoPath ParsePath(string value) => value.ToLowerInvariant() switch
    {
        "iomap" => DirectIoPath.Iomap,
        "legacy" => DirectIoPath.Legacy,
        _ => throw new OptionException($"pinio fsx: --path={value}: give iomap or legacy"),
    };
}
