// Follows fio's parse.c (str_to_decimal, get_mult_bytes, get_mult_time) in meaning, not in code.
using System.Globalization;

namespace PinIo.Cli.Options;

/// <summary>
/// fio's value grammar. Sizes take fio's default <c>kb_base=1024</c> "compatibility mode":
/// <c>k</c>, <c>m</c>, <c>g</c>, <c>t</c>, <c>p</c> (also <c>kb</c>, <c>KB</c>, any case) are powers
/// of 1024, and the IEC spellings <c>ki</c>/<c>kib</c>/<c>KiB</c>... are, as fio documents it,
/// powers of 1000 (fio 3.33 reads <c>1MiB</c> as 1000000). Times are seconds unless a unit
/// (<c>us</c>, <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>, <c>d</c>) follows. Every parser throws
/// <see cref="FormatException"/> with the reason; the option table adds the option's name.
/// </summary>
internal static partial class ValueParsers
{
    public static long ParseSize(string text)
    {
        string s = text.Trim();
        (long number, string suffix) = SplitNumber(s, text);
        long multiplier = SizeMultiplier(suffix, text);
        return checked(number * multiplier);
    }

    /// <summary>A time in microseconds; <paramref name="defaultUnitUs"/> applies to a bare number (seconds for runtime).</summary>
    public static long ParseTimeUs(string text, long defaultUnitUs = 1_000_000)
    {
        string s = text.Trim();
        (long number, string suffix) = SplitNumber(s, text);
        long unit = suffix.ToLowerInvariant() switch
        {
            "" => defaultUnitUs,
            "us" or "usec" => 1,
            "ms" or "msec" => 1000,
            "s" or "sec" => 1_000_000,
            "m" or "min" => 60_000_000,
            "h" => 3_600_000_000,
            "d" => 86_400_000_000,
            _ => throw new FormatException($"'{text}' has an unknown time unit '{suffix}' (use us, ms, s, m, h or d)"),
        };
        return checked(number * unit);
    }

    public static long ParseInt(string text)
    {
        string s = text.Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && long.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long hex))
        {
            return hex;
        }
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            return value;
        }
        throw new FormatException($"'{text}' is not an integer");
    }

    /// <summary>fio's booleans: 0 or 1 (also true/false, yes/no, on/off).</summary>
    public static bool ParseBool(string text) => text.Trim().ToLowerInvariant() switch
    {
        "1" or "true" or "yes" or "on" => true,
        "0" or "false" or "no" or "off" => false,
        _ => throw new FormatException($"'{text}' is not a boolean (use 0 or 1)"),
    };

    /// <summary>A colon-separated list of percentiles, as fio's percentile_list (99:99.9).</summary>
    public static double[] ParsePercentileList(string text)
    {
        string[] parts = text.Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length is 0 or > 20)
        {
            throw new FormatException($"'{text}' must list 1 to 20 percentiles separated by ':'");
        }
        var list = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out list[i]) || list[i] <= 0 || list[i] > 100)
            {
                throw new FormatException($"'{parts[i]}' is not a percentile in (0, 100]");
            }
        }
        Array.Sort(list);
        return list;
    }

    private static (long Number, string Suffix) SplitNumber(string s, string original)
    {
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            int hexEnd = 2;
            while (hexEnd < s.Length && Uri.IsHexDigit(s[hexEnd]))
            {
                hexEnd++;
            }
            if (hexEnd > 2 && long.TryParse(s.AsSpan(2, hexEnd - 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long hex))
            {
                return (hex, s[hexEnd..]);
            }
            throw new FormatException($"'{original}' is not a number");
        }
        int end = 0;
        while (end < s.Length && char.IsAsciiDigit(s[end]))
        {
            end++;
        }
        if (end == 0 || !long.TryParse(s.AsSpan(0, end), NumberStyles.None, CultureInfo.InvariantCulture, out long number))
        {
            throw new FormatException($"'{original}' is not a number");
        }
        return (number, s[end..].Trim());
    }

    private static long SizeMultiplier(string suffix, string original)
    {
        if (suffix.Length == 0)
        {
            return 1;
        }
        string lower = suffix.ToLowerInvariant();
        int power = lower[0] switch
        {
            'b' when lower.Length == 1 => 0,
            'k' => 1,
            'm' => 2,
            'g' => 3,
            't' => 4,
            'p' => 5,
            _ => -1,
        };
        string rest = lower.Length > 1 ? lower[1..] : "";
        if (power < 0 || rest is not ("" or "b" or "i" or "ib"))
        {
            throw new FormatException($"'{original}' has an unknown size suffix '{suffix}' (use k, m, g, t or p)");
        }
        // kb_base=1024: the plain and "b" spellings are binary, the IEC ones decimal (fio's compatibility mode).
        long unit = rest.StartsWith('i') ? 1000 : 1024;
        long multiplier = 1;
        for (int i = 0; i < power; i++)
        {
            multiplier *= unit;
        }
        return multiplier;
    }
}
