// Follows fio's parse.c (FIO_OPT_STR_VAL_ZONE: a "z" suffix counts zones) in meaning.
using System.Globalization;

namespace PinIo.Cli.Options;

internal static partial class ValueParsers
{
    /// <summary>A number from 0 to 1 (fio's zone_reset_threshold and zone_reset_frequency).</summary>
    public static double ParseFraction(string text)
    {
        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            throw new FormatException($"'{text}' is not a number");
        }
        return value is >= 0 and <= 1 ? value : throw new FormatException($"{value} is not between 0 and 1");
    }

    /// <summary>
    /// A count of zones written with fio's <c>z</c> suffix (<c>8z</c>); false for any other
    /// text, which the option's own parser then reads.
    /// </summary>
    public static bool TryParseZones(string? text, out long zones)
    {
        zones = 0;
        string s = text?.Trim() ?? "";
        return s.Length > 1 && (s[^1] is 'z' or 'Z')
            && long.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out zones);
    }
}
