namespace PinIo.Cli.Options;

/// <summary>
/// One job's options, keyed by fio's option names: what was set (in the order it was set,
/// with the text as written) over the defaults of <see cref="OptionTable"/>. Filled by the
/// command-line job grammar (<see cref="CommandLineJobs"/>) and, later, by a job-file parser
/// through the same <see cref="Set"/>; read through the typed properties.
/// </summary>
internal sealed class JobOptions
{
    private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, string>> _written = [];

    /// <summary>Sets an option by name or alias; throws <see cref="OptionException"/> for an unknown name or a bad value.</summary>
    public void Set(string name, string? value)
    {
        if (!OptionTable.TryFind(name, out OptionDef option))
        {
            throw new OptionException($"pinio: unrecognized option '{name}'");
        }
        _values[option.Name] = option.Parse(value);
        _written.RemoveAll(kv => kv.Key == option.Name);
        _written.Add(new(option.Name, value ?? "1"));
    }

    public bool IsSet(string name) => _values.ContainsKey(name);

    /// <summary>The options that were set, canonical name and text, in order (fio's JSON "job options").</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Written => _written;

    public JobOptions Clone()
    {
        var copy = new JobOptions();
        foreach (var (key, value) in _values)
        {
            copy._values[key] = value;
        }
        copy._written.AddRange(_written);
        return copy;
    }

    public string? Name => Get<string?>("name");

    public string? Description => Get<string?>("description");

    public string? Filename => Get<string?>("filename");

    public RwMode Rw => Get<RwMode>("rw");

    public int RwMixRead => IsSet("rwmixread") || !IsSet("rwmixwrite") ? (int)Get<long>("rwmixread") : 100 - (int)Get<long>("rwmixwrite");

    public int BlockSize => (int)Get<long>("bs");

    public int IoDepth => (int)Get<long>("iodepth");

    public int NumJobs => (int)Get<long>("numjobs");

    /// <summary>Bytes of the region; null when not set (the target's size less the offset).</summary>
    public long? Size => IsSet("size") ? Get<long>("size") : null;

    public long Offset => Get<long>("offset");

    public int Loops => (int)Get<long>("loops");

    public long RuntimeUs => Get<long>("runtime");

    public bool TimeBased => Get<bool>("time_based");

    public IoEngineKind IoEngine => Get<IoEngineKind>("ioengine");

    public bool Direct => Get<bool>("direct");

    public bool FixedBufs => Get<bool>("fixedbufs");

    public VerifyKind Verify => Get<VerifyKind>("verify");

    public bool DoVerify => Get<bool>("do_verify");

    public ulong RandSeed => (ulong)Get<long>("randseed");

    public bool RandRepeat => Get<bool>("randrepeat");

    public bool NoRandomMap => Get<bool>("norandommap");

    public IReadOnlyList<double> PercentileList => Get<double[]>("percentile_list");

    private T Get<T>(string name)
    {
        if (_values.TryGetValue(name, out object? value))
        {
            return (T)value;
        }
        OptionDef option = OptionTable.Get(name);
        return option.Default is null ? default! : (T)option.Parse(option.Default);
    }
}
