// Follows drivers/md/dm-flakey.c, dm-dust.c and dm-delay.c (their table lines, as key=value parts).
using System.Globalization;

namespace PinIo.Devices;

/// <summary>
/// The text form of <see cref="FaultOptions"/>, as pinio's <c>--filename=faulty:SPEC:TARGET</c>
/// takes it. Parts joined by <c>+</c>, each a target name and its <c>,key=value</c> settings:
/// <code>
/// flakey,up=9io,down=1io,drop_writes            dm-flakey; up/down in seconds (5, 5s, 200ms) or bios (9io)
///        error_writes | corrupt_bio_byte=N|random,corrupt_rw=r|w,corrupt_value=V
/// dust,bad=8,bad=100-107,blksz=4096,write_fail=1,disabled
/// delay,read=5ms,write=20ms,flush=0             dm-delay; a bare number is milliseconds
/// powercut,early=0.01                            volatile cache, written back at flush (or early, by chance)
/// seed=42    log=/tmp/faults.log
/// </code>
/// For example <c>flakey,up=90io,down=10io,drop_writes+seed=7</c>. No part may hold a colon.
/// </summary>
public static class FaultSpec
{
    /// <summary>Parses <paramref name="spec"/>; a <see cref="FormatException"/> names the part and what it should be.</summary>
    public static FaultOptions Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Length == 0)
        {
            throw new FormatException("empty fault spec: give one or more of flakey,..., dust,..., delay,..., powercut,... joined by '+'");
        }
        var options = new FaultOptions();
        foreach (string part in spec.Split('+'))
        {
            string[] items = part.Split(',');
            string name = items[0].Trim().ToLowerInvariant();
            options = name switch
            {
                "flakey" => options with { Flakey = Flakey(items) },
                "dust" => options with { Dust = Dust(items) },
                "delay" => options with { Delay = Delay(items) },
                "powercut" => options with { PowerCut = PowerCut(items) },
                _ when name.StartsWith("seed=", StringComparison.Ordinal) && items.Length == 1 => options with { Seed = Number<ulong>(name, name[5..]) },
                _ when name.StartsWith("log=", StringComparison.Ordinal) && items.Length == 1 => options with { LogPath = items[0].Trim()[4..] },
                _ => throw new FormatException($"fault spec part '{part}': expected flakey, dust, delay, powercut, seed=N or log=PATH"),
            };
        }
        return options;
    }

    private static FlakeyOptions Flakey(string[] items)
    {
        var o = new FlakeyOptions();
        CorruptOptions? corrupt = null;
        foreach ((string key, string? value) in Settings(items))
        {
            switch (key)
            {
                case "up": o = o with { Up = Interval(key, Required(key, value)) }; break;
                case "down": o = o with { Down = Interval(key, Required(key, value)) }; break;
                case "drop_writes": o = o with { Writes = FlakeyWrites.Drop }; break;
                case "error_writes": o = o with { Writes = FlakeyWrites.Error }; break;
                case "corrupt_bio_byte":
                    string nth = Required(key, value);
                    corrupt = (corrupt ?? new CorruptOptions()) with { Byte = nth == "random" ? 0 : Positive(key, nth) };
                    break;
                case "corrupt_rw":
                    corrupt = (corrupt ?? new CorruptOptions()) with { Writes = Required(key, value) switch
                    {
                        "w" => true,
                        "r" => false,
                        string v => throw new FormatException($"flakey: corrupt_rw={v}: expected r or w"),
                    } };
                    break;
                case "corrupt_value": corrupt = (corrupt ?? new CorruptOptions()) with { Value = Number<byte>(key, Required(key, value)) }; break;
                default: throw Unknown("flakey", key, "up, down, drop_writes, error_writes, corrupt_bio_byte, corrupt_rw, corrupt_value");
            }
        }
        try
        {
            return (o with { Corrupt = corrupt }).Validate();
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    private static DustOptions Dust(string[] items)
    {
        var o = new DustOptions();
        var bad = new List<long>();
        foreach ((string key, string? value) in Settings(items))
        {
            switch (key)
            {
                case "bad": bad.AddRange(Blocks(Required(key, value))); break;
                case "blksz": o = o with { BlockSize = Positive(key, Required(key, value)) }; break;
                case "write_fail": o = o with { WriteFailures = Number<int>(key, Required(key, value)) }; break;
                case "disabled": o = o with { Enabled = false }; break;
                default: throw Unknown("dust", key, "bad, blksz, write_fail, disabled");
            }
        }
        if (o.BlockSize % 512 != 0)
        {
            throw new FormatException($"dust: blksz={o.BlockSize} must be a multiple of 512");
        }
        return o with { BadBlocks = bad };
    }

    private static DelayOptions Delay(string[] items)
    {
        var o = new DelayOptions();
        foreach ((string key, string? value) in Settings(items))
        {
            TimeSpan delay = Duration(key, Required(key, value), bareUnit: TimeSpan.FromMilliseconds(1));
            o = key switch
            {
                "read" => o with { Read = delay },
                "write" => o with { Write = delay },
                "flush" => o with { Flush = delay },
                _ => throw Unknown("delay", key, "read, write, flush"),
            };
        }
        return o;
    }

    private static PowerCutOptions PowerCut(string[] items)
    {
        var o = new PowerCutOptions();
        foreach ((string key, string? value) in Settings(items))
        {
            if (key != "early")
            {
                throw Unknown("powercut", key, "early");
            }
            double p = Number<double>(key, Required(key, value));
            if (!(p >= 0 && p <= 1))
            {
                throw new FormatException($"powercut: early={value}: a chance from 0 to 1");
            }
            o = o with { EarlyWriteBack = p };
        }
        return o;
    }

    private static IEnumerable<(string Key, string? Value)> Settings(string[] items)
    {
        foreach (string item in items.Skip(1))
        {
            string trimmed = item.Trim();
            int eq = trimmed.IndexOf('=', StringComparison.Ordinal);
            yield return eq < 0 ? (trimmed.ToLowerInvariant(), null) : (trimmed[..eq].ToLowerInvariant(), trimmed[(eq + 1)..]);
        }
    }

    private static FaultInterval Interval(string key, string value) =>
        value.EndsWith("io", StringComparison.OrdinalIgnoreCase)
            ? FaultInterval.Count(Number<long>(key, value[..^2]))
            : FaultInterval.Time(Duration(key, value, bareUnit: TimeSpan.FromSeconds(1)));

    /// <summary>A time with a unit (us, ms, s, m), or a bare number of <paramref name="bareUnit"/>.</summary>
    private static TimeSpan Duration(string key, string value, TimeSpan bareUnit)
    {
        (string digits, TimeSpan unit) = value.ToLowerInvariant() switch
        {
            string v when v.EndsWith("us", StringComparison.Ordinal) => (v[..^2], TimeSpan.FromMicroseconds(1)),
            string v when v.EndsWith("ms", StringComparison.Ordinal) => (v[..^2], TimeSpan.FromMilliseconds(1)),
            string v when v.EndsWith('s') => (v[..^1], TimeSpan.FromSeconds(1)),
            string v when v.EndsWith('m') => (v[..^1], TimeSpan.FromMinutes(1)),
            string v => (v, bareUnit),
        };
        double amount = Number<double>(key, digits);
        if (!(amount >= 0) || amount * unit.TotalSeconds > TimeSpan.FromDays(1).TotalSeconds)
        {
            throw new FormatException($"{key}={value}: a time from 0 to a day");
        }
        return TimeSpan.FromTicks((long)(amount * unit.Ticks));
    }

    private static IEnumerable<long> Blocks(string value)
    {
        int dash = value.IndexOf('-', StringComparison.Ordinal);
        long first = Number<long>("bad", dash < 0 ? value : value[..dash]);
        long last = dash < 0 ? first : Number<long>("bad", value[(dash + 1)..]);
        if (first < 0 || last < first || last - first >= 1 << 20)
        {
            throw new FormatException($"dust: bad={value}: a block B or a range B-E of at most 2^20 blocks, B <= E");
        }
        for (long b = first; b <= last; b++)
        {
            yield return b;
        }
    }

    private static string Required(string key, string? value) =>
        string.IsNullOrEmpty(value) ? throw new FormatException($"{key} needs a value ({key}=...)") : value;

    private static int Positive(string key, string value)
    {
        int n = Number<int>(key, value);
        return n > 0 ? n : throw new FormatException($"{key}={value}: must be positive");
    }

    private static T Number<T>(string key, string value) where T : ISpanParsable<T> =>
        T.TryParse(value.Trim(), CultureInfo.InvariantCulture, out T? n) ? n : throw new FormatException($"{key}={value}: not a number");

    private static FormatException Unknown(string target, string key, string known) =>
        new($"{target}: unknown setting '{key}' (known: {known})");
}
