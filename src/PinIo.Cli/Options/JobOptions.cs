namespace PinIo.Cli.Options;

/// <summary>
/// One job's options: what was set (in the order it was set, with the text as written) over
/// the defaults <see cref="Opt"/> declares. Filled by the command-line job grammar
/// (<see cref="CommandLineJobs"/>) and by job files (<see cref="JobFile"/>) through the same
/// <see cref="Set"/>; read with <see cref="Get{T}"/> (<c>job.Get(Opt.IoDepth)</c>), and through
/// the few readings below that combine options the way fio does.
/// </summary>
internal sealed class JobOptions
{
    private const int DefaultBlockSize = 4096;

    private readonly Dictionary<OptionDef, object> _values = [];
    private readonly List<KeyValuePair<string, string>> _written = [];
    private Dictionary<OptionDef, long>? _zoneCounts;

    /// <summary>Sets an option by name or alias; throws <see cref="OptionException"/> for an unknown name or a bad value.</summary>
    public void Set(string name, string? value)
    {
        if (!OptionTable.TryFind(name, out OptionDef option))
        {
            throw new OptionException($"pinio: unrecognized option '{name}'");
        }
        if (ZoneUnits.Takes(option) && ValueParsers.TryParseZones(value, out long zones))
        {
            // size=8z: a count of zones, turned into bytes once the zone size is known (ZoneUnits.Resolve).
            (_zoneCounts ??= [])[option] = zones;
            _values.Remove(option);
            _written.RemoveAll(kv => kv.Key == option.Name);
            _written.Add(new(option.Name, value!));
            return;
        }
        _zoneCounts?.Remove(option);
        object parsed = option.Parse(value);
        _values[option] = parsed;
        if (option.Inverse is { } inverse)
        {
            _values[inverse] = !(bool)parsed;
            _written.RemoveAll(kv => kv.Key == inverse.Name);
        }
        _written.RemoveAll(kv => kv.Key == option.Name);
        _written.Add(new(option.Name, value ?? option.OmittedValue ?? "1"));
    }

    /// <summary>The option's value: as set, else its default, else (a derived default) the type's default.</summary>
    public T Get<T>(Opt<T> option) => option.Read(_values.TryGetValue(option, out object? value) ? value : option.ParsedDefault);

    public bool IsSet(OptionDef option) => _values.ContainsKey(option) || ZoneCount(option) is not null;

    /// <summary>The zones an option was written in (<c>size=8z</c>); null when it was not.</summary>
    public long? ZoneCount(OptionDef option) => _zoneCounts is not null && _zoneCounts.TryGetValue(option, out long zones) ? zones : null;

    /// <summary>Every option written in zones, with its count.</summary>
    public IEnumerable<KeyValuePair<OptionDef, long>> ZoneCounts => _zoneCounts ?? [];

    /// <summary>Gives an option its value in bytes, keeping the text as written (one written in zones; a clone's offset).</summary>
    public void SetResolved(OptionDef option, long bytes)
    {
        _zoneCounts?.Remove(option);
        _values[option] = option.Parse(bytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

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
        if (_zoneCounts is not null)
        {
            copy._zoneCounts = new(_zoneCounts);
        }
        return copy;
    }

    public RwMode Rw => Get(Opt.Rw).Mode;

    /// <summary>The <c>:N</c> of rw=: bytes skipped after each sequential I/O, or sequential I/Os between random offsets; 0 when absent.</summary>
    public long RwModifier => Get(Opt.Rw).Modifier;

    /// <summary>rwmixread, or 100 less rwmixwrite when only that was set.</summary>
    public int RwMixRead => IsSet(Opt.RwMixRead) || !IsSet(Opt.RwMixWrite) ? Get(Opt.RwMixRead) : 100 - Get(Opt.RwMixWrite);

    /// <summary>The read block size (bs=R,W sets both).</summary>
    public int BlockSize => Bs.Read;

    /// <summary>bs= per direction, fio's 4 KiB where a field was left empty.</summary>
    public PerDir<int> Bs
    {
        get
        {
            PerDir<long?> bs = Get(Opt.Bs);
            return new PerDir<int>((int)(bs.Read ?? DefaultBlockSize), (int)(bs.Write ?? DefaultBlockSize));
        }
    }

    /// <summary>Bytes of the region; null when not set (the target's size less the offset) or given as a percentage.</summary>
    public long? Size => Get(Opt.Size) is { IsPercent: false } size ? size.Bytes : null;

    /// <summary>size= as a percentage of the target; null when not given so.</summary>
    public double? SizePercent => Get(Opt.Size) is { IsPercent: true } size ? size.Percent : null;

    /// <summary>cpus_allowed= or cpumask=, whichever was written last; null when neither was (the thread keeps the process's CPUs).</summary>
    public CpuSet? CpusAllowed
    {
        get
        {
            for (int i = _written.Count - 1; i >= 0; i--)
            {
                if (_written[i].Key == Opt.CpusAllowed.Name)
                {
                    return Get(Opt.CpusAllowed);
                }
                if (_written[i].Key == Opt.CpuMask.Name)
                {
                    return Get(Opt.CpuMask);
                }
            }
            return null;
        }
    }

    /// <summary>gtod_reduce=1 turns on the four disable_ options below whatever they were set to.</summary>
    public bool DisableLat => Get(Opt.GtodReduce) || Get(Opt.DisableLat);

    public bool DisableClat => Get(Opt.GtodReduce) || Get(Opt.DisableClat);

    public bool DisableSlat => Get(Opt.GtodReduce) || Get(Opt.DisableSlat);

    public bool DisableBw => Get(Opt.GtodReduce) || Get(Opt.DisableBwMeasurement);
}
