// Follows fio's options.c (str_steadystate_cb, parse_cmdprio_bssplit) and
// engines/cmdprio.c in meaning, not in code.
using System.Globalization;

namespace PinIo.Cli.Options;

/// <summary>What steadystate= measures.</summary>
internal enum SteadyStateMetric
{
    Iops,
    Bw,
}

/// <summary>steadystate=: the measure, deviation or slope, and the limit (a percentage of the window's mean when <see cref="Percent"/>).</summary>
internal sealed record SteadyStateSpec(SteadyStateMetric Metric, bool Slope, double Limit, bool Percent)
{
    /// <summary>As fio writes it in its JSON ("iops:10.000000%").</summary>
    public string FioName => string.Create(CultureInfo.InvariantCulture, $"{(Metric == SteadyStateMetric.Iops ? "iops" : "bw")}{(Slope ? "_slope" : "")}:{Limit:F6}{(Percent ? "%" : "")}");
}

/// <summary>random_generator=.</summary>
internal enum RandomGenerator
{
    Tausworthe,
    Lfsr,
    Tausworthe64,
}

/// <summary>One cmdprio_bssplit entry: of the I/Os of <see cref="Bs"/> bytes, <see cref="Percent"/> get a priority (its class and level, or cmdprio_class/cmdprio when null).</summary>
internal sealed record CmdPrioSplitEntry(int Bs, int Percent, int? Class, int? Level, int Hint);

internal static partial class ValueParsers
{
    /// <summary>steadystate=iops|iops_slope|bw|bw_slope:LIMIT[%].</summary>
    public static SteadyStateSpec ParseSteadyState(string text)
    {
        string s = text.Trim();
        int colon = s.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new FormatException($"'{text}' needs a limit: iops:10%, bw_slope:1%...");
        }
        string kind = s[..colon].ToLowerInvariant();
        (SteadyStateMetric metric, bool slope) = kind switch
        {
            "iops" => (SteadyStateMetric.Iops, false),
            "iops_slope" => (SteadyStateMetric.Iops, true),
            "bw" => (SteadyStateMetric.Bw, false),
            "bw_slope" => (SteadyStateMetric.Bw, true),
            "lat" or "lat_slope" => throw new FormatException($"'{kind}' (fio 3.40's latency criterion) is not supported by pinio: use iops, iops_slope, bw or bw_slope"),
            _ => throw new FormatException($"'{kind}' is not a steady-state criterion (iops, iops_slope, bw, bw_slope)"),
        };
        string limit = s[(colon + 1)..].Trim();
        bool percent = limit.EndsWith('%');
        double value = percent ? ParseFloat(limit[..^1]) : ParseFloat(limit);
        if (value < 0)
        {
            throw new FormatException($"'{text}' has a negative limit");
        }
        return new SteadyStateSpec(metric, slope, value, percent);
    }

    /// <summary>A percentage in [0, 100] (latency_percentile).</summary>
    public static double ParsePercentage(string text)
    {
        double value = ParseFloat(text);
        return value is < 0 or > 100 ? throw new FormatException($"'{text}' is not a percentage in 0..100") : value;
    }

    /// <summary>cmdprio_percentage=: a percentage per direction.</summary>
    public static PerDir<int?> ParsePercentPerDirection(string text) => ParseIntPerDirection(text, 0, 100);

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>] per direction (cmdprio_class=1,3).</summary>
    public static PerDir<int?> ParseIntPerDirection(string text, int min, int max)
    {
        PerDir<string?> fields = SplitPerDirection(text);
        return new PerDir<int?>(One(fields.Read), One(fields.Write));

        int? One(string? field)
        {
            if (field is null)
            {
                return null;
            }
            long value = ParseInt(field);
            return value < min || value > max ? throw new FormatException($"'{field}' is outside {min}..{max}") : (int)value;
        }
    }

    /// <summary>cmdprio_bssplit=: bs/percent[/class/level[/hint]] entries, ':'-separated, per direction.</summary>
    public static PerDir<CmdPrioSplitEntry[]?> ParseCmdPrioBsSplit(string text)
    {
        PerDir<string?> fields = SplitPerDirection(text);
        return new PerDir<CmdPrioSplitEntry[]?>(Split(fields.Read), Split(fields.Write));

        static CmdPrioSplitEntry[]? Split(string? field)
        {
            if (field is null)
            {
                return null;
            }
            string[] entries = field.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var split = new CmdPrioSplitEntry[entries.Length];
            for (int i = 0; i < entries.Length; i++)
            {
                string[] parts = entries[i].Split('/', StringSplitOptions.TrimEntries);
                if (parts.Length is not (2 or 4 or 5))
                {
                    throw new FormatException($"'{entries[i]}' is not bs/percent or bs/percent/class/level[/hint]");
                }
                int bs = checked((int)ParseSize(parts[0]));
                int percent = (int)InRange(parts[1], 0, 100);
                int? cls = parts.Length > 2 ? (int)InRange(parts[2], 0, 3) : null;
                int? level = parts.Length > 2 ? (int)InRange(parts[3], 0, 7) : null;
                int hint = parts.Length > 4 ? (int)InRange(parts[4], 0, 7) : 0;
                split[i] = new CmdPrioSplitEntry(bs, percent, cls, level, hint);
            }
            return split;
        }

        static long InRange(string text, long min, long max)
        {
            long value = ParseInt(text);
            return value < min || value > max ? throw new FormatException($"'{text}' is outside {min}..{max}") : value;
        }
    }

    private static double ParseFloat(string text) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new FormatException($"'{text}' is not a number");
}
