namespace PinIo.Cli.Options;

/// <summary>
/// One job's options, keyed by fio's option names: what was set (in the order it was set,
/// with the text as written) over the defaults of <see cref="OptionTable"/>. Filled by the
/// command-line job grammar (<see cref="CommandLineJobs"/>) and by job files
/// (<see cref="JobFile"/>) through the same <see cref="Set"/>; read through the typed properties.
/// </summary>
internal sealed class JobOptions
{
    private const int DefaultBlockSize = 4096;

    private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, string>> _written = [];

    /// <summary>Sets an option by name or alias; throws <see cref="OptionException"/> for an unknown name or a bad value.</summary>
    public void Set(string name, string? value)
    {
        if (!OptionTable.TryFind(name, out OptionDef option))
        {
            throw new OptionException($"pinio: unrecognized option '{name}'");
        }
        object parsed = option.Parse(value);
        _values[option.Name] = parsed;
        if (option.Inverse is { } inverse)
        {
            _values[inverse] = !(bool)parsed;
            _written.RemoveAll(kv => kv.Key == inverse);
        }
        _written.RemoveAll(kv => kv.Key == option.Name);
        _written.Add(new(option.Name, value ?? option.OmittedValue ?? "1"));
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

    /// <summary>volume_dio=: the Direct I/O path of a Volume target.</summary>
    public Fs.DirectIoPath VolumeDio => Get<Fs.DirectIoPath>("volume_dio");

    /// <summary>fallocate=: whether a Volume target's new file gets unwritten extents (true) or stays a hole.</summary>
    public bool Fallocate => Get<bool>("fallocate");

    public RwMode Rw => Get<RwSpec>("rw").Mode;

    /// <summary>The <c>:N</c> of rw=: bytes skipped after each sequential I/O, or sequential I/Os between random offsets; 0 when absent.</summary>
    public long RwModifier => Get<RwSpec>("rw").Modifier;

    public int RwMixRead => IsSet("rwmixread") || !IsSet("rwmixwrite") ? (int)Get<long>("rwmixread") : 100 - (int)Get<long>("rwmixwrite");

    /// <summary>The read block size (bs=R,W sets both).</summary>
    public int BlockSize => Bs.Read;

    /// <summary>bs= per direction, fio's 4 KiB where a field was left empty.</summary>
    public PerDir<int> Bs
    {
        get
        {
            PerDir<long?> bs = Get<PerDir<long?>>("bs");
            return new PerDir<int>((int)(bs.Read ?? DefaultBlockSize), (int)(bs.Write ?? DefaultBlockSize));
        }
    }

    public PerDir<BsRange?> BsRange => IsSet("bsrange") ? Get<PerDir<BsRange?>>("bsrange") : default;

    public PerDir<BsSplitEntry[]?> BsSplit => IsSet("bssplit") ? Get<PerDir<BsSplitEntry[]?>>("bssplit") : default;

    public PerDir<long?> BlockAlign => IsSet("blockalign") ? Get<PerDir<long?>>("blockalign") : default;

    public int IoDepth => (int)Get<long>("iodepth");

    public int IoDepthBatchSubmit => (int)Get<long>("iodepth_batch_submit");

    public int IoDepthBatchCompleteMin => (int)Get<long>("iodepth_batch_complete_min");

    public int NumJobs => (int)Get<long>("numjobs");

    /// <summary>Bytes of the region; null when not set (the target's size less the offset) or given as a percentage.</summary>
    public long? Size => IsSet("size") && Get<SizeOrPercent>("size") is { IsPercent: false } size ? size.Bytes : null;

    /// <summary>size= as a percentage of the target; null when not given so.</summary>
    public double? SizePercent => IsSet("size") && Get<SizeOrPercent>("size") is { IsPercent: true } size ? size.Percent : null;

    public long? FileSize => IsSet("filesize") ? Get<long>("filesize") : null;

    public long? IoSize => IsSet("io_size") ? Get<long>("io_size") : null;

    public string? Directory => Get<string?>("directory");

    /// <summary>offset= in bytes; 0 when given as a percentage (see <see cref="OffsetSpec"/>).</summary>
    public long Offset => Get<SizeOrPercent>("offset").Bytes;

    public SizeOrPercent OffsetSpec => Get<SizeOrPercent>("offset");

    public int Loops => (int)Get<long>("loops");

    public long RuntimeUs => Get<long>("runtime");

    public bool TimeBased => Get<bool>("time_based");

    public long RampTimeUs => Get<long>("ramp_time");

    public long StartDelayUs => Get<long>("startdelay");

    public IoEngineKind IoEngine => Get<IoEngineKind>("ioengine");

    public bool Direct => Get<bool>("direct");

    public SyncMode Sync => Get<SyncMode>("sync");

    public int Fsync => (int)Get<long>("fsync");

    public int Fdatasync => (int)Get<long>("fdatasync");

    public bool EndFsync => Get<bool>("end_fsync");

    public bool FsyncOnClose => Get<bool>("fsync_on_close");

    public bool Invalidate => Get<bool>("invalidate");

    public FadviseHint FadviseHint => Get<FadviseHint>("fadvise_hint");

    public long VolumeCacheBytes => Get<long>("volume_cache");

    public bool Unlink => Get<bool>("unlink");

    public bool FixedBufs => Get<bool>("fixedbufs");

    public bool SqThreadPoll => Get<bool>("sqthread_poll");

    public int? SqThreadPollCpu => IsSet("sqthread_poll_cpu") ? (int)Get<long>("sqthread_poll_cpu") : null;

    public bool HiPri => Get<bool>("hipri");

    public bool Stonewall => Get<bool>("stonewall");

    public bool NewGroup => Get<bool>("new_group");

    public bool ZeroBuffers => Get<bool>("zero_buffers");

    public bool RefillBuffers => Get<bool>("refill_buffers");

    public int BufferCompressPercentage => (int)Get<long>("buffer_compress_percentage");

    public VerifyKind Verify => Get<VerifyKind>("verify");

    public bool DoVerify => Get<bool>("do_verify");

    public byte[]? VerifyPattern => IsSet("verify_pattern") ? Get<byte[]>("verify_pattern") : null;

    public bool VerifyOnly => Get<bool>("verify_only");

    public int VerifyBacklog => (int)Get<long>("verify_backlog");

    public bool VerifyFatal => Get<bool>("verify_fatal");

    public ulong RandSeed => (ulong)Get<long>("randseed");

    public bool RandRepeat => Get<bool>("randrepeat");

    public bool NoRandomMap => Get<bool>("norandommap");

    public Distribution RandomDistribution => Get<Distribution>("random_distribution");

    public IReadOnlyList<double> PercentileList => Get<double[]>("percentile_list");

    /// <summary>write_lat_log's prefix: null when not set, "" when set without one (the job's name).</summary>
    public string? LatLogPrefix => Get<string?>("write_lat_log");

    public string? BwLogPrefix => Get<string?>("write_bw_log");

    public string? IopsLogPrefix => Get<string?>("write_iops_log");

    public int LogAvgMsec => (int)Get<long>("log_avg_msec");

    /// <summary>log_max_value: 0 the window's mean, 1 its maximum, 2 both.</summary>
    public int LogMaxValue => (int)Get<long>("log_max_value");

    public bool LogOffset => Get<bool>("log_offset");

    public bool PerJobLogs => Get<bool>("per_job_logs");

    /// <summary>cpus_allowed= or cpumask=, whichever was written last; null when neither was (the thread keeps the process's CPUs).</summary>
    public CpuSet? CpusAllowed
    {
        get
        {
            for (int i = _written.Count - 1; i >= 0; i--)
            {
                if (_written[i].Key is "cpus_allowed" or "cpumask")
                {
                    return Get<CpuSet>(_written[i].Key);
                }
            }
            return null;
        }
    }

    public CpusAllowedPolicy CpusAllowedPolicy => Get<CpusAllowedPolicy>("cpus_allowed_policy");

    public bool ExitAll => Get<bool>("exitall");

    public bool ExitAllOnError => Get<bool>("exitall_on_error");

    /// <summary>gtod_reduce=1 turns on the four disable_ options below whatever they were set to.</summary>
    public bool GtodReduce => Get<bool>("gtod_reduce");

    public bool DisableLat => GtodReduce || Get<bool>("disable_lat");

    public bool DisableClat => GtodReduce || Get<bool>("disable_clat");

    public bool DisableSlat => GtodReduce || Get<bool>("disable_slat");

    public bool DisableBw => GtodReduce || Get<bool>("disable_bw_measurement");

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
