// Follows fio's options.c (str_fst_cb, the filesize irange, fallocate's posval) and filesetup.c (the ':' list of filename=) in meaning.
using System.Text;

namespace PinIo.Cli.Options;

/// <summary>fio's file_service_type: how a job with several files picks the file of its next I/O.</summary>
internal enum FileServiceKind
{
    /// <summary>Each file in turn (fio's default).</summary>
    RoundRobin,

    /// <summary>One file until its region is done, then the next.</summary>
    Sequential,

    /// <summary>A file drawn uniformly.</summary>
    Random,

    Zipf,
    Pareto,

    /// <summary>normal, or its alias gauss.</summary>
    Normal,
}

/// <summary>file_service_type=KIND[:N]: N I/Os to a file before the next is picked (random, roundrobin, sequential); the skewed kinds take their distribution's parameter instead and switch every I/O.</summary>
internal readonly record struct FileServiceSpec(FileServiceKind Kind, int SwitchEvery, Distribution Skew)
{
    public static FileServiceSpec RoundRobin { get; } = new(FileServiceKind.RoundRobin, 1, Distribution.Uniform);
}

/// <summary>fio's fallocate=: how a file the job creates or extends gets its space.</summary>
internal enum FallocateMode
{
    /// <summary>Nothing reserved: blocks are allocated as they are written.</summary>
    None,

    /// <summary>fallocate(mode 0), the default (fio's native, posix and 1).</summary>
    Native,

    /// <summary>fallocate(FALLOC_FL_KEEP_SIZE): blocks reserved, the size not grown by it.</summary>
    Keep,

    /// <summary>ftruncate to the size: a sparse file.</summary>
    Truncate,
}

/// <summary>filesize=SIZE or LOW-HIGH: each file's size, drawn in the range when it is one.</summary>
internal readonly record struct FileSizeRange(long Min, long Max)
{
    public bool IsRange => Min != Max;

    public override string ToString() => IsRange ? $"{Min}-{Max}" : Min.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

internal static partial class ValueParsers
{
    /// <summary>file_service_type=random|roundrobin|sequential[:N] or zipf|pareto|normal|gauss[:PARAM[:CENTER]] (zipf 1.1 and pareto 0.2 by default, as fio's).</summary>
    public static FileServiceSpec ParseFileService(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string kind = (colon < 0 ? text : text[..colon]).Trim().ToLowerInvariant();
        string? postfix = colon < 0 ? null : text[(colon + 1)..].Trim();
        FileServiceKind? switching = kind switch
        {
            "random" => FileServiceKind.Random,
            "roundrobin" => FileServiceKind.RoundRobin,
            "sequential" => FileServiceKind.Sequential,
            _ => null,
        };
        if (switching is FileServiceKind plain)
        {
            long every = postfix is null ? 1 : ParseInt(postfix);
            if (every is < 1 or > int.MaxValue)
            {
                throw new FormatException($"the I/Os per file ':{postfix}' must be a positive count");
            }
            return new FileServiceSpec(plain, (int)every, Distribution.Uniform);
        }
        (FileServiceKind skewed, string distribution) = kind switch
        {
            "zipf" => (FileServiceKind.Zipf, "zipf:" + (postfix ?? "1.1")),
            "pareto" => (FileServiceKind.Pareto, "pareto:" + (postfix ?? "0.2")),
            "normal" or "gauss" => (FileServiceKind.Normal, "normal:" + (postfix ?? "0")),
            _ => throw new FormatException($"'{kind}' is not a file service type (random, roundrobin, sequential, zipf, pareto, normal or gauss)"),
        };
        // fio's gauss defaults to a deviation of 0: every pick the middle file.
        return distribution == "normal:0" ? new FileServiceSpec(skewed, 1, new Distribution(DistributionKind.Normal, 0, 0))
            : new FileServiceSpec(skewed, 1, ParseDistribution(distribution));
    }

    /// <summary>filesize=SIZE or LOW-HIGH (fio's irange), each a size with fio's suffixes.</summary>
    public static FileSizeRange ParseFileSizeRange(string text)
    {
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        long low = ParseSize(dash < 0 ? text : text[..dash]);
        long high = dash < 0 ? low : ParseSize(text[(dash + 1)..]);
        if (low < 1 || high < low)
        {
            throw new FormatException($"'{text}' must be a positive size or a range LOW-HIGH with LOW at most HIGH");
        }
        return new FileSizeRange(low, high);
    }

    /// <summary>fio's ':' list of filename=: the names it separates, a '\:' kept as a colon inside a name.</summary>
    public static IReadOnlyList<string> SplitFilenames(string text)
    {
        var names = new List<string>();
        var name = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] == ':')
            {
                name.Append(':');
                i++;
            }
            else if (text[i] == ':')
            {
                names.Add(name.ToString());
                name.Clear();
            }
            else
            {
                name.Append(text[i]);
            }
        }
        names.Add(name.ToString());
        return names;
    }
}
