// Follows fio's options.c (str_bssplit_cb, str_random_distribution_cb, str_rw_cb) and
// lib/pattern.c (parse_and_fill_pattern) in meaning, not in code.
using System.Globalization;

namespace PinIo.Cli.Options;

internal static partial class ValueParsers
{
    /// <summary>The longest verify_pattern pinio takes (fio's MAX_PATTERN_SIZE).</summary>
    public const int MaxPatternBytes = 512;

    /// <summary>
    /// fio's per-direction lists: <c>a</c> for reads and writes, <c>a,b</c> reads then writes,
    /// an empty field for fio's default (<c>,8k</c>: reads default, writes 8k). A value not
    /// followed by a comma applies to the directions after it; a third field (trims) is
    /// accepted and not used. Null stands for the default.
    /// </summary>
    public static PerDir<string?> SplitPerDirection(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > 3)
        {
            throw new FormatException($"'{text}' has more than three comma-separated fields (read,write,trim)");
        }
        string? read = parts[0].Length == 0 ? null : parts[0];
        string? write = parts.Length == 1 ? read : parts[1].Length == 0 ? null : parts[1];
        return new PerDir<string?>(read, write);
    }

    /// <summary>bs= and blockalign=: a size per direction, null for the default.</summary>
    public static PerDir<long?> ParseSizePerDirection(string text)
    {
        PerDir<string?> fields = SplitPerDirection(text);
        return new PerDir<long?>(PositiveSize(fields.Read), PositiveSize(fields.Write));
    }

    /// <summary>bsrange=: <c>min-max</c> per direction (<c>1k-4k,2k-8k</c>).</summary>
    public static PerDir<BsRange?> ParseBsRange(string text)
    {
        PerDir<string?> fields = SplitPerDirection(text);
        return new PerDir<BsRange?>(Range(fields.Read), Range(fields.Write));

        static BsRange? Range(string? field)
        {
            if (field is null)
            {
                return null;
            }
            int dash = field.IndexOfAny(['-', ':']);
            if (dash <= 0)
            {
                throw new FormatException($"'{field}' is not a range (write min-max, as 1k-64k)");
            }
            long min = PositiveSize(field[..dash]) ?? 0;
            long max = PositiveSize(field[(dash + 1)..]) ?? 0;
            if (min > max)
            {
                (min, max) = (max, min);
            }
            return new BsRange(checked((int)min), checked((int)max));
        }
    }

    /// <summary>
    /// bssplit=: <c>size/percent</c> entries separated by ':', per direction
    /// (<c>4k/50:64k/40:1m/10</c>). Entries without a percentage share what the others leave
    /// of 100, as fio's do; the percentages must come to 100.
    /// </summary>
    public static PerDir<BsSplitEntry[]?> ParseBsSplit(string text)
    {
        PerDir<string?> fields = SplitPerDirection(text);
        return new PerDir<BsSplitEntry[]?>(Split(fields.Read), Split(fields.Write));

        static BsSplitEntry[]? Split(string? field)
        {
            if (field is null)
            {
                return null;
            }
            string[] entries = field.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var sizes = new int[entries.Length];
            var percents = new int[entries.Length];
            int given = 0;
            int missing = 0;
            for (int i = 0; i < entries.Length; i++)
            {
                int slash = entries[i].IndexOf('/', StringComparison.Ordinal);
                sizes[i] = checked((int)(PositiveSize(slash < 0 ? entries[i] : entries[i][..slash]) ?? 0));
                if (slash < 0 || entries[i][(slash + 1)..].Trim().Length == 0)
                {
                    percents[i] = -1;
                    missing++;
                    continue;
                }
                long percent = ParseInt(entries[i][(slash + 1)..]);
                if (percent is < 0 or > 100)
                {
                    throw new FormatException($"'{entries[i]}' has a percentage outside 0..100");
                }
                percents[i] = (int)percent;
                given += (int)percent;
            }
            if (entries.Length == 0)
            {
                throw new FormatException($"'{field}' lists no block size (write size/percent:size/percent)");
            }
            if (given > 100 || (missing == 0 && given != 100))
            {
                throw new FormatException($"the percentages of '{field}' add up to {given}, not 100");
            }
            int share = missing == 0 ? 0 : (100 - given) / missing;
            int leftover = missing == 0 ? 0 : (100 - given) - (share * missing);
            var split = new BsSplitEntry[entries.Length];
            for (int i = 0; i < entries.Length; i++)
            {
                int percent = percents[i];
                if (percent < 0)
                {
                    percent = share + (leftover-- > 0 ? 1 : 0);
                }
                split[i] = new BsSplitEntry(sizes[i], percent);
            }
            return split;
        }
    }

    /// <summary>
    /// size= and offset=: a size with fio's suffixes, or a percentage of the target
    /// (<c>size=50%</c>): in (0, 100], or with <paramref name="min"/> 0 (offset=) in [0, 100],
    /// 0% being the target's start.
    /// </summary>
    public static SizeOrPercent ParseSizeOrPercent(string text, long min)
    {
        string s = text.Trim();
        if (s.EndsWith('%'))
        {
            double percent = ParseDouble(s[..^1]);
            if (percent is < 0 or > 100 || (percent == 0 && min > 0))
            {
                throw new FormatException(min > 0 ? $"{s} is not a percentage in (0, 100]" : $"{s} is not a percentage in [0, 100]");
            }
            return new SizeOrPercent(0, percent);
        }
        long bytes = ParseSize(s);
        if (bytes < min)
        {
            throw new FormatException($"{bytes} is out of range: at least {min}");
        }
        return new SizeOrPercent(bytes, 0);
    }

    /// <summary>
    /// rw=MODE[:N]: N is a size for sequential modes (the bytes skipped after each I/O; negative,
    /// <c>read:-8k</c>, seeks back: with bs=4k the job reads backwards) and a count for random ones.
    /// </summary>
    public static RwSpec ParseRw(OptionDef option, string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        var mode = (RwMode)option.ParseChoice(colon < 0 ? text.Trim() : text[..colon].Trim());
        if (colon < 0)
        {
            return new RwSpec(mode, 0);
        }
        string value = text[(colon + 1)..].Trim();
        bool back = value.StartsWith('-');
        if (back && mode.IsRandom())
        {
            throw new FormatException($"rw={text}: a random mode's :N is a count of I/Os per offset and cannot be negative");
        }
        long modifier = ParseSize(back ? value[1..] : value);
        return new RwSpec(mode, back ? -modifier : modifier);
    }

    /// <summary>random_distribution=: <c>random</c>, <c>zipf:θ</c>, <c>pareto:h</c> or <c>normal:σ</c> (also <c>gauss:σ</c>), each with an optional <c>:center</c> in [0, 1]; or <c>zoned:A/S:…</c> / <c>zoned_abs:A/SIZE:…</c>.</summary>
    public static Distribution ParseDistribution(string text)
    {
        string[] parts = text.Split(':', StringSplitOptions.TrimEntries);
        string kind = parts[0].ToLowerInvariant();
        if (kind == "random")
        {
            return parts.Length == 1 ? Distribution.Uniform : throw new FormatException("'random' takes no parameter");
        }
        if (kind is "zoned" or "zoned_abs")
        {
            return ParseZoned(text, kind == "zoned_abs");
        }
        DistributionKind parsed = kind switch
        {
            "zipf" => DistributionKind.Zipf,
            "pareto" => DistributionKind.Pareto,
            "normal" or "gauss" => DistributionKind.Normal,
            _ => throw new FormatException($"'{parts[0]}' is not a distribution (use random, zipf:theta, pareto:h or normal:sigma)"),
        };
        if (parts.Length is < 2 or > 3)
        {
            throw new FormatException($"'{text}' needs one parameter and at most a center: {kind}:value[:center]");
        }
        double parameter = ParseDouble(parts[1]);
        double center = parts.Length == 3 ? ParseDouble(parts[2]) : 0;
        if (center is < 0 or > 1)
        {
            throw new FormatException($"the center {parts[2]} must be between 0 and 1");
        }
        switch (parsed)
        {
            case DistributionKind.Zipf when parameter <= 0 || parameter == 1.0:
                throw new FormatException("zipf's theta must be above 0 and not 1 (as fio's)");
            case DistributionKind.Pareto when parameter is <= 0 or >= 1:
                throw new FormatException("pareto's h must be between 0 and 1, both excluded");
            case DistributionKind.Normal when parameter is <= 0 or > 100:
                throw new FormatException("normal's sigma is a percentage of the region: above 0, at most 100");
        }
        return new Distribution(parsed, parameter, center);
    }

    /// <summary>
    /// zoned:A/S:A/S:… (S percent of the region) or zoned_abs:A/SIZE:… (bytes): A percent of
    /// the random I/O lands, uniformly, in each zone, the zones laid out from the region's start;
    /// the shares must add up to 100, and the last span may be empty (the rest of the region).
    /// fio's per-direction lists (after a comma) are refused by name.
    /// </summary>
    private static Distribution ParseZoned(string text, bool absolute)
    {
        string kind = absolute ? "zoned_abs" : "zoned";
        string body = text[(text.IndexOf(':', StringComparison.Ordinal) + 1)..];
        if (body.Contains(',', StringComparison.Ordinal))
        {
            throw new FormatException($"'{kind}' with a list per direction (after ',') is not implemented by pinio: give one list for all directions");
        }
        var zones = new List<AccessZone>();
        string[] items = body.Split(':', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < items.Length; i++)
        {
            string[] pair = items[i].Split('/', StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || pair[0].Length == 0 || (pair[1].Length == 0 && i != items.Length - 1))
            {
                throw new FormatException($"'{items[i]}' in {kind} is not ACCESS%/{(absolute ? "SIZE" : "SPAN%")} (only the last zone's span may be empty: the rest)");
            }
            double access = ParseDouble(pair[0]);
            double span = pair[1].Length == 0 ? 0 : absolute ? ParseSize(pair[1]) : ParseDouble(pair[1]);
            if (access is < 0 or > 100 || span < 0 || (!absolute && span > 100))
            {
                throw new FormatException($"'{items[i]}' in {kind}: the access share must be 0..100 percent{(absolute ? "" : " and the span 0..100 percent")}");
            }
            zones.Add(new AccessZone(access, span));
        }
        double accessTotal = zones.Sum(z => z.AccessPercent);
        if (zones.Count == 0 || Math.Abs(accessTotal - 100) > 1e-9)
        {
            throw new FormatException($"the access shares of {kind} add up to {accessTotal.ToString(CultureInfo.InvariantCulture)}, not 100");
        }
        if (!absolute && zones.Sum(z => z.Span) > 100 + 1e-9)
        {
            throw new FormatException($"the spans of {kind} add up to more than 100 percent of the region");
        }
        return new Distribution(absolute ? DistributionKind.ZonedAbs : DistributionKind.Zoned, 0, 0) { Zones = zones, Text = text.Trim() };
    }

    /// <summary>
    /// verify_pattern=: a sequence of <c>0x</c> hex bytes (<c>0xdeadbeef</c> is de ad be ef),
    /// quoted strings (<c>"abc"</c> or <c>'abc'</c>) and decimal numbers below 256 (one byte
    /// each), written one after another; at most <see cref="MaxPatternBytes"/> bytes.
    /// </summary>
    public static byte[] ParsePattern(string text)
    {
        var bytes = new List<byte>();
        int i = 0;
        string s = text.Trim();
        while (i < s.Length)
        {
            char c = s[i];
            if (char.IsWhiteSpace(c) || c == ',')
            {
                i++;
            }
            else if (c is '"' or '\'')
            {
                int close = s.IndexOf(c, i + 1);
                if (close < 0)
                {
                    throw new FormatException($"'{text}' has an unterminated string");
                }
                bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(s[(i + 1)..close]));
                i = close + 1;
            }
            else if (c == '0' && i + 1 < s.Length && s[i + 1] is 'x' or 'X')
            {
                int end = i + 2;
                while (end < s.Length && char.IsAsciiHexDigit(s[end]))
                {
                    end++;
                }
                string hex = s[(i + 2)..end];
                if (hex.Length == 0)
                {
                    throw new FormatException($"'{text}' has 0x without hex digits");
                }
                if (hex.Length % 2 == 1)
                {
                    hex = "0" + hex;
                }
                bytes.AddRange(Convert.FromHexString(hex));
                i = end;
            }
            else if (char.IsAsciiDigit(c))
            {
                int end = i;
                while (end < s.Length && char.IsAsciiDigit(s[end]))
                {
                    end++;
                }
                int value = int.Parse(s.AsSpan(i, end - i), NumberStyles.None, CultureInfo.InvariantCulture);
                bytes.Add(value <= 255 ? (byte)value : throw new FormatException($"{value} does not fit a byte; write bigger values as 0x hex"));
                i = end;
            }
            else
            {
                throw new FormatException($"'{text}' is not a pattern (write 0x hex bytes, \"strings\" or byte values)");
            }
        }
        if (bytes.Count is 0 or > MaxPatternBytes)
        {
            throw new FormatException($"a pattern has 1 to {MaxPatternBytes} bytes, not {bytes.Count}");
        }
        return [.. bytes];
    }

    private static long? PositiveSize(string? text)
    {
        if (text is null)
        {
            return null;
        }
        long size = ParseSize(text);
        if (size <= 0 || size > int.MaxValue)
        {
            throw new FormatException($"{size} is not a block size (1 byte to 2 GiB)");
        }
        return size;
    }

    private static double ParseDouble(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value
            : throw new FormatException($"'{text}' is not a number");
}
