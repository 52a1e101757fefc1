// Follows fio's lib/num2str.c and stat.h (nsec_to_usec, nsec_to_msec) in behaviour; own code.
using System.Globalization;

namespace PinIo.Cli.Report;

/// <summary>Units num2str appends (fio's enum n2s_unit).</summary>
internal enum NumUnit
{
    None,
    PerSecond,
    Byte,
    BytePerSecond,
}

/// <summary>
/// fio's number formatting, so that pinio's figures read like fio's: <see cref="Num2Str"/>
/// shortens a number to a few significant digits with a k/M/G (or Ki/Mi/Gi) prefix, rounding
/// as fio does ("625k", "2441MiB/s", "16.0MiB"); <see cref="ScaleLatency"/> picks fio's
/// nsec/usec/msec unit for a min/max/mean/stdev line. Everything is invariant culture.
/// </summary>
internal static class FioFormat
{
    public static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly string[] s_si = ["", "k", "M", "G", "T", "P", "E"];
    private static readonly string[] s_iec = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

    /// <summary>
    /// <paramref name="num"/> in at most <paramref name="maxDigits"/> digits (the decimal point
    /// counts): divided by 1000 (or 1024 when <paramref name="binary"/>) until it fits, then
    /// as many decimals of the remainder as the room left allows, else rounded.
    /// <paramref name="firstPrefix"/> says the number is already in units of that prefix
    /// (1: KiB, as fio's num2str with units=1024 takes its progress-line rates).
    /// </summary>
    public static string Num2Str(ulong num, int maxDigits, bool binary, NumUnit unit, int firstPrefix = 0)
    {
        uint thousand = binary ? 1024u : 1000u;
        string[] prefixes = binary ? s_iec : s_si;
        int prefix = firstPrefix;
        ulong? remainder = null;
        bool carry = false;
        while (prefix < prefixes.Length - 1 && Digits(num) > maxDigits)
        {
            remainder = num % thousand;
            num /= thousand;
            carry = remainder >= thousand / 2;
            prefix++;
        }
        string suffix = prefixes[prefix] + UnitText(unit);
        if (remainder is null)
        {
            return num.ToString(Inv) + suffix;
        }
        int room = maxDigits - Digits(num);
        if (room <= 1)
        {
            return (carry ? num + 1 : num).ToString(Inv) + suffix;
        }
        string fraction = ((double)remainder.Value / thousand).ToString("F" + (room - 1).ToString(Inv), Inv);
        if (fraction[0] == '1')
        {
            num++;
        }
        return num.ToString(Inv) + "." + fraction[2..] + suffix;
    }

    /// <summary>fio's unit choice for a latency line: msec, usec or nsec, scaling the four values alike.</summary>
    public static string ScaleLatency(ref long min, ref long max, ref double mean, ref double dev)
    {
        if (min > 2_000_000 && max > 99_999_999 && dev > 1_000_000.0)
        {
            (min, max, mean, dev) = (min / 1_000_000, max / 1_000_000, mean / 1e6, dev / 1e6);
            return "msec";
        }
        if (min > 2000 && max > 99_999 && dev > 1000.0)
        {
            (min, max, mean, dev) = (min / 1000, max / 1000, mean / 1e3, dev / 1e3);
            return "usec";
        }
        return "nsec";
    }

    /// <summary>printf's "%W.Pf".</summary>
    public static string Fixed(double value, int width, int decimals) =>
        value.ToString("F" + decimals.ToString(Inv), Inv).PadLeft(width);

    /// <summary>printf's "%Wllu" (right-aligned integer).</summary>
    public static string Int(long value, int width = 0) => value.ToString(Inv).PadLeft(width);

    /// <summary>A time as ctime(3) prints it, without the newline: "Wed Nov 25 21:44:35 2026".</summary>
    public static string CTime(DateTime time) =>
        string.Create(Inv, $"{time:ddd MMM} {time.Day,2} {time:HH:mm:ss yyyy}");

    private static int Digits(ulong value) => value.ToString(Inv).Length;

    private static string UnitText(NumUnit unit) => unit switch
    {
        NumUnit.PerSecond => "/s",
        NumUnit.Byte => "B",
        NumUnit.BytePerSecond => "B/s",
        _ => "",
    };
}
