namespace PinIo.Cli.Options;

/// <summary>How an option's value is written (fio's FIO_OPT_* types).</summary>
internal enum OptionKind
{
    /// <summary>Free text (FIO_OPT_STR_STORE).</summary>
    Text,

    /// <summary>A byte count with fio's suffixes (FIO_OPT_STR_VAL).</summary>
    Size,

    /// <summary>An integer, decimal or 0x hex (FIO_OPT_INT).</summary>
    Int,

    /// <summary>0 or 1 (FIO_OPT_BOOL).</summary>
    Bool,

    /// <summary>A switch: given alone it is 1, or it takes 0/1 (FIO_OPT_STR_SET).</summary>
    Flag,

    /// <summary>A time, seconds unless a unit follows (FIO_OPT_STR_VAL_TIME).</summary>
    Time,

    /// <summary>One of a list of names (FIO_OPT_STR with posval).</summary>
    Choice,

    /// <summary>A value with a grammar of its own (bs=4k,64k; bssplit=; rw=read:4k), parsed by <see cref="OptionDef.Parser"/>.</summary>
    Custom,

    /// <summary>Colon-separated percentiles (FIO_OPT_FLOAT_LIST).</summary>
    PercentList,
}

/// <summary>One allowed value of a <see cref="OptionKind.Choice"/> option, with what it parses to.</summary>
internal sealed record OptionChoice(string Value, object Parsed, string Help);

/// <summary>
/// One row of the option table: fio's name, its aliases, how its value is parsed and its
/// default as fio writes it. The command line and job files both set options
/// through <see cref="Parse"/>, so an option means the same wherever it is written.
/// </summary>
internal class OptionDef
{
    private object? _parsedDefault;

    public required string Name { get; init; }

    public string[] Aliases { get; init; } = [];

    public required OptionKind Kind { get; init; }

    public required string Help { get; init; }

    /// <summary>fio's default, as text; null when the default is derived (size from the target).</summary>
    public string? Default { get; init; }

    public IReadOnlyList<OptionChoice> Choices { get; init; } = [];

    public long Min { get; init; } = long.MinValue;

    public long Max { get; init; } = long.MaxValue;

    /// <summary>The parser of a <see cref="OptionKind.Custom"/> option; throws <see cref="FormatException"/> with the reason.</summary>
    public Func<OptionDef, string, object>? Parser { get; init; }

    /// <summary>A boolean option that sets this other one to its opposite (fio's .inverse: direct and buffered).</summary>
    public OptionDef? Inverse { get; private set; }

    /// <summary>
    /// What an option written without a value stands for, when it may be (fio's FIO_OPT_STR
    /// options whose callback takes a missing string: a bare <c>write_lat_log</c> is "" and the
    /// job's name becomes the log's prefix); null when a value is required.
    /// </summary>
    public string? OmittedValue { get; init; }

    /// <summary>Whether the option may be written without a value (<c>--time_based</c>, <c>--write_lat_log</c>).</summary>
    public bool ValueOptional => Kind == OptionKind.Flag || OmittedValue is not null;

    /// <summary>fio's default, parsed once; null when the default is derived.</summary>
    public object? ParsedDefault => Default is null ? null : _parsedDefault ??= Parse(Default);

    /// <summary>Makes <paramref name="a"/> and <paramref name="b"/> each other's inverse.</summary>
    public static void Pair(OptionDef a, OptionDef b)
    {
        a.Inverse = b;
        b.Inverse = a;
    }

    /// <summary>Parses <paramref name="value"/> (null for a bare flag); throws <see cref="OptionException"/> naming the option.</summary>
    public object Parse(string? value)
    {
        if (value is null)
        {
            if (OmittedValue is null)
            {
                return Kind == OptionKind.Flag ? true : throw new OptionException($"pinio: option '{Name}' requires a value ({Help})");
            }
            value = OmittedValue;
        }
        try
        {
            object parsed = Kind switch
            {
                OptionKind.Text => value,
                OptionKind.Size => CheckRange(ValueParsers.ParseSize(value)),
                OptionKind.Int => CheckRange(ValueParsers.ParseInt(value)),
                OptionKind.Bool or OptionKind.Flag => ValueParsers.ParseBool(value),
                OptionKind.Time => CheckRange(ValueParsers.ParseTimeUs(value)),
                OptionKind.Choice => ParseChoice(value),
                OptionKind.Custom => Parser!(this, value),
                _ => ValueParsers.ParsePercentileList(value),
            };
            return parsed;
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            string reason = e is OverflowException ? $"'{value}' is too large" : e.Message;
            throw new OptionException($"pinio: failed parsing {Name}={value}: {reason}{ValidValues()}", e);
        }
    }

    private long CheckRange(long value)
    {
        if (value < Min || value > Max)
        {
            string range = Max == long.MaxValue ? $"at least {Min}" : $"from {Min} to {Max}";
            throw new FormatException($"{value} is out of range: {Name} must be {range}");
        }
        return value;
    }

    /// <summary>The choice named <paramref name="value"/> (any case); throws <see cref="FormatException"/> when there is none.</summary>
    public object ParseChoice(string value)
    {
        foreach (OptionChoice choice in Choices)
        {
            if (string.Equals(choice.Value, value, StringComparison.OrdinalIgnoreCase))
            {
                return choice.Parsed;
            }
        }
        throw new FormatException($"'{value}' is not a valid value");
    }

    private string ValidValues()
    {
        if (Choices.Count == 0)
        {
            return "";
        }
        var text = new System.Text.StringBuilder();
        string lead = $"{Environment.NewLine}        valid values: ";
        foreach (OptionChoice choice in Choices)
        {
            text.Append(lead).Append(choice.Value.PadRight(12)).Append(' ').Append(choice.Help);
            lead = $"{Environment.NewLine}                    : ";
        }
        return text.ToString();
    }
}

/// <summary>
/// An option with the type it is read as: <c>job.Get(Opt.IoDepth)</c> is an <c>int</c>. The
/// parsers keep integers as <c>long</c>; this narrows them once, here.
/// </summary>
internal sealed class Opt<T> : OptionDef
{
    private readonly Func<object, T> _read = Reader();

    /// <summary>The typed value of a parsed <paramref name="value"/>.</summary>
    public T Read(object? value) => value is null ? default! : _read(value);

    private static Func<object, T> Reader()
    {
        Type type = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        if (type == typeof(int))
        {
            // Unchecked, as the getters this replaces were: an int option without a Max bound wraps.
            return v => (T)(object)unchecked((int)(long)v);
        }
        if (type == typeof(ulong))
        {
            return v => (T)(object)unchecked((ulong)(long)v);
        }
        return v => (T)v;
    }
}
