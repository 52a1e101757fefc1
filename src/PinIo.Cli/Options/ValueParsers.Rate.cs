// Follows fio's options.c (rate=, rate_iops=: FIO_OPT_STR_VAL/INT with .off2/.off3 for writes and trims) in meaning, not in code.
namespace PinIo.Cli.Options;

internal static partial class ValueParsers
{
    /// <summary>
    /// rate= and its kin: <c>r[,w][,t]</c> in bytes/s (<paramref name="bytes"/>, fio's size
    /// suffixes) or in I/Os per second. One value is every direction's; an empty field is no
    /// rate in that direction (<c>rate=,500k</c> caps writes only, <c>rate=500k,</c> reads only);
    /// a value not followed by a comma also stands for the directions after it.
    /// </summary>
    public static RatePerDir ParseRatePerDirection(string text, bool bytes)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length > 3)
        {
            throw new FormatException($"'{text}' has more than three comma-separated fields (read,write,trim)");
        }
        long read = One(parts[0]);
        long write = parts.Length > 1 ? One(parts[1]) : read;
        long trim = parts.Length > 2 ? One(parts[2]) : write;
        return new RatePerDir(read, write, trim);

        long One(string field)
        {
            if (field.Length == 0)
            {
                return 0;
            }
            long value = bytes ? ParseSize(field) : ParseInt(field);
            return value >= 0 ? value : throw new FormatException($"'{field}' is negative (a rate is 0 or more)");
        }
    }

    /// <summary>A time of 0 or more in microseconds; a bare number is in <paramref name="defaultUnitUs"/> (thinktime: microseconds).</summary>
    public static long ParseNonNegativeTimeUs(string text, long defaultUnitUs)
    {
        long us = ParseTimeUs(text, defaultUnitUs);
        return us >= 0 ? us : throw new FormatException($"'{text}' is negative (a time is 0 or more)");
    }

    /// <summary>reap_spin=: a time of at most <see cref="Devices.FileDeviceOptions.MaxReapSpinMicroseconds"/>.</summary>
    public static long ParseReapSpinUs(string text)
    {
        long us = ParseNonNegativeTimeUs(text, 1);
        return us <= Devices.FileDeviceOptions.MaxReapSpinMicroseconds ? us : throw new FormatException($"'{text}' is longer than a reap should spin (at most 1s)");
    }
}
