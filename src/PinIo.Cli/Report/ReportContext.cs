using PinIo.Cli.Stats;

namespace PinIo.Cli.Report;

/// <summary>Report formats (fio's --output-format; several may be combined with commas).</summary>
[Flags]
internal enum OutputFormats
{
    None = 0,
    Normal = 1,
    Json = 2,

    /// <summary>json+: the JSON document with the clat_ns histogram bins.</summary>
    JsonPlus = 4,
    Terse = 8,
}

/// <summary>What the report says about the run as a whole: who printed it, when, and the global options.</summary>
internal sealed record ReportContext
{
    public string Version { get; init; } = NormalReport.Version;

    /// <summary>The process id printed in each block's header.</summary>
    public int Pid { get; init; } = Environment.ProcessId;

    /// <summary>When the report was made (fio's timestamp and header time).</summary>
    public DateTimeOffset Time { get; init; } = DateTimeOffset.Now;

    /// <summary>Seconds since pinio started, rounded up (fio's "elapsed").</summary>
    public long ElapsedSeconds { get; init; }

    /// <summary>What the block devices under the jobs' files did during the run (fio's disk_util).</summary>
    public IReadOnlyList<DiskUtil> Disks { get; init; } = [];

    /// <summary>The options set before any job (fio's "global options"), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> GlobalOptions { get; init; } = [];

    /// <summary>
    /// Parses fio's --output-format value: normal, json, json+ or terse, or several of them
    /// separated by commas. Returns false, naming the bad part, for anything else.
    /// </summary>
    public static bool TryParseFormats(string text, out OutputFormats formats, out string? bad)
    {
        formats = OutputFormats.None;
        bad = null;
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            OutputFormats one = part.ToLowerInvariant() switch
            {
                "normal" => OutputFormats.Normal,
                "json" => OutputFormats.Json,
                "json+" => OutputFormats.Json | OutputFormats.JsonPlus,
                "terse" => OutputFormats.Terse,
                _ => OutputFormats.None,
            };
            if (one == OutputFormats.None)
            {
                bad = part;
                return false;
            }
            formats |= one;
        }
        return formats != OutputFormats.None;
    }
}
