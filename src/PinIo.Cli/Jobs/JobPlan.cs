using PinIo.Cli.Logs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// One job thread as it will run: its options resolved against its target and checked, with
/// fio's derived values (size from the target, the region rounded down to whole grains, a
/// clone's own seed and file, the reporting group and the stonewall segment).
/// <see cref="Resolve"/> turns a <see cref="JobSet"/> into plans, one per <c>numjobs</c> clone.
/// </summary>
internal sealed record JobPlan
{
    public required string Name { get; init; }

    /// <summary>1-based number of this thread among all jobs (fio's thread_number).</summary>
    public required int Number { get; init; }

    /// <summary>0-based number of this clone among its job's numjobs (fio's jobnum in file names).</summary>
    public int CloneIndex { get; init; }

    /// <summary>The reporting group (fio's groupid): a new one at each stonewall or new_group.</summary>
    public int GroupId { get; init; }

    /// <summary>
    /// The stonewall segment: jobs of one segment run together, and a segment starts when the
    /// one before it has ended (a stonewall job starts the next segment).
    /// </summary>
    public int RunOrder { get; init; }

    public required JobOptions Options { get; init; }

    /// <summary>An option as the job set it (or its default); what the plan resolves has a property of its own.</summary>
    public T Get<T>(Opt<T> option) => Options.Get(option);

    public required Target Target { get; init; }

    public required RwMode Rw { get; init; }

    /// <summary>How each direction picks its block sizes.</summary>
    public required PerDir<BlockSizeSpec> Bs { get; init; }

    /// <summary>The largest block any I/O of the job may have: the size of each I/O buffer.</summary>
    public required int BlockSize { get; init; }

    /// <summary>The unit of offsets within the region (blockalign, by default the smallest block size).</summary>
    public required int Grain { get; init; }

    /// <summary>I/Os prepared before they are submitted together (iodepth_batch_submit, 0 read as iodepth).</summary>
    public int BatchSubmit { get; init; } = 1;

    /// <summary>Completions to wait for at least when reaping (iodepth_batch_complete_min; 0 = poll).</summary>
    public int BatchCompleteMin { get; init; } = 1;

    /// <summary>
    /// Completions taken at most in one reap (iodepth_batch_complete_max, raised to
    /// iodepth_batch_complete_min as fio's fixup does, so 1 by default); the rest wait for the
    /// next reap, as events left in fio's completion ring do. A reap takes at least one.
    /// </summary>
    public int BatchCompleteMax { get; init; } = 1;

    /// <summary>
    /// A reap takes the completions already in the ring (up to <see cref="BatchCompleteMax"/>)
    /// and waits for <see cref="BatchCompleteMin"/> only when there are none: auto_batch's reap.
    /// </summary>
    public bool ReapsReadyFirst { get; init; }

    public required long Offset { get; init; }

    /// <summary>The region lies past the end of the device (offset= beyond it, with size=): the job does no I/O, as fio's.</summary>
    public bool EmptyRegion { get; init; }

    /// <summary>Bytes of the region, a whole number of grains.</summary>
    public required long Size { get; init; }

    /// <summary>Bytes to transfer before the job ends when it is not time based ((io_size or size) × loops).</summary>
    public required long IoBudget { get; init; }

    /// <summary>Passes over the region before the job ends when it is not time based: loops, unbounded when io_size lets it wrap.</summary>
    public long MaxPasses { get; init; } = long.MaxValue;

    public required VerifyKind Verify { get; init; }

    /// <summary>The job's seed; a clone's differs from the others'.</summary>
    public required ulong Seed { get; init; }

    public required bool RandomMap { get; init; }

    public Distribution Distribution { get; init; } = Distribution.Uniform;

    /// <summary>zonemode=strided or zbd: the job's zones; null for zonemode=none.</summary>
    public ZonePlan? Zones { get; init; }

    public required bool FixedBufs { get; init; }

    public required int RwMixRead { get; init; }

    /// <summary>Flush the device after every this many writes (fsync= or fdatasync=; 0 never).</summary>
    public int FlushEvery { get; init; }

    /// <summary>The job's log files (write_lat_log, write_bw_log, write_iops_log) and how they are written.</summary>
    public LogPlan Logs { get; init; } = LogPlan.None;

    /// <summary>The CPUs the job's thread is bound to (cpus_allowed or cpumask, one of them under cpus_allowed_policy=split); null: not bound.</summary>
    public IReadOnlyList<int>? Cpus { get; init; }

    /// <summary>
    /// colocate_depth1: with no <see cref="Cpus"/>, the job's thread binds itself to the CPU it
    /// starts on (Runner.StartCpu), and so does its io-wq worker.
    /// </summary>
    public bool StaysOnStartCpu { get; init; }

    /// <summary>disable_lat (or gtod_reduce): no total latency is recorded.</summary>
    public bool DisableLat { get; init; }

    /// <summary>disable_clat (or gtod_reduce): no completion latency, no clat histogram, no latency decades.</summary>
    public bool DisableClat { get; init; }

    /// <summary>disable_slat (or gtod_reduce): no submission latency.</summary>
    public bool DisableSlat { get; init; }

    /// <summary>disable_bw_measurement (or gtod_reduce): no bandwidth or IOPS samples.</summary>
    public bool DisableBw { get; init; }

    /// <summary>What pinio does differently from fio for this job's options (sqthread_poll, hipri...), one line each.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// The job's file does not exist yet and a job of an earlier stonewall segment creates it
    /// (fio's examples/surface-scan.fio): the plan's sizes are provisional, and
    /// <see cref="ResolveAtSegmentStart"/> resolves it again when its segment starts.
    /// </summary>
    public bool SizedAtSegmentStart => Target is FileTarget { SizedAtSegmentStart: true };

    /// <summary>The job's options as written, before its clone's own (zones, offsets) were resolved: what the plan is resolved again from.</summary>
    public JobOptions? AsWritten { get; init; }

    /// <summary>Grains in the region.</summary>
    public long Grains => Size / Grain;

    public static IReadOnlyList<JobPlan> Resolve(JobSet set)
    {
        var plans = new List<JobPlan>();
        var created = new CreatedFiles();
        int groupId = 0;
        int runOrder = 0;
        foreach (JobOptions job in set.Jobs)
        {
            // fio's add_job: stonewall or new_group opens a new group once a job precedes it;
            // stonewall also waits for every job before it.
            if (plans.Count > 0 && (job.Get(Opt.Stonewall) || job.Get(Opt.NewGroup)))
            {
                groupId++;
            }
            if (plans.Count > 0 && job.Get(Opt.Stonewall))
            {
                runOrder++;
            }
            for (int clone = 0; clone < job.Get(Opt.NumJobs); clone++)
            {
                JobPlan plan = ResolveOne(job, plans.Count + 1, clone, created.BeforeSegment(runOrder)) with { GroupId = groupId, RunOrder = runOrder, AsWritten = job };
                created.Add(plan);
                plans.Add(plan);
            }
        }
        SchedChecks.CheckWaitFor(plans);
        AvailableMemory.Check(plans);
        return plans;
    }

    /// <summary>
    /// A plan <see cref="SizedAtSegmentStart"/> resolved against its file as it is now, when its
    /// segment starts (the jobs before it have ended); any other plan as it is. Throws
    /// <see cref="OptionException"/> as planning does (the earlier job did not create the file).
    /// </summary>
    public static JobPlan ResolveAtSegmentStart(JobPlan plan)
    {
        if (!plan.SizedAtSegmentStart)
        {
            return plan;
        }
        return ResolveOne(plan.AsWritten!, plan.Number, plan.CloneIndex, createdEarlier: null) with { GroupId = plan.GroupId, RunOrder = plan.RunOrder, AsWritten = plan.AsWritten };
    }

    /// <summary>
    /// Trims go through PinIo's discard (a device's, or a Volume file's punched hole); the
    /// engines without one refuse them by name, as does verification, which has no model of a
    /// trimmed block. Whether the device itself can discard is asked when it is open.
    /// </summary>
    private static void RefuseTrims(string name, JobOptions o, Target target)
    {
        if (!o.Rw.HasTrims())
        {
            return;
        }
        string rw = o.Rw.FioName();
        IoEngineKind engine = o.Get(Opt.IoEngine);
        if (engine is IoEngineKind.Dotnet or IoEngineKind.Ftruncate)
        {
            throw new OptionException($"pinio: job '{name}': rw={rw} needs a discard, which ioengine={engine.FioName()} has not (.NET RandomAccess cannot trim): pick psync, libaio or io_uring");
        }
        if (target is VolumeTarget { Buffered: true })
        {
            throw new OptionException($"pinio: job '{name}': rw={rw} on a Volume file punches holes with Direct I/O, which buffered I/O (direct=0) does not take: set direct=1");
        }
        if (o.Get(Opt.Verify) != VerifyKind.None || o.Get(Opt.VerifyPattern) is not null)
        {
            throw new OptionException($"pinio: job '{name}': rw={rw} with verify= is not supported (a trimmed block holds no header to check): drop verify");
        }
    }

    private static JobPlan ResolveOne(JobOptions o, int number, int clone, Func<string, long?>? createdEarlier)
    {
        string name = o.Get(Opt.Name) ?? throw new OptionException("pinio: a job needs a name (--name=NAME)");
        o = ZonePlan.ForClone(ZoneUnits.Resolve(name, o), clone);
        var notes = new List<string>();
        Target target = Target.Parse(name, o, clone, createdEarlier);
        int logical = target.LogicalBlockSize;
        PerDir<BlockSizeSpec> bs = BlockSizes(name, o, logical);
        RefuseTrims(name, o, target);
        // Trims take the write sizes.
        bool writeSizes = o.Rw.HasWrites() || o.Rw.HasTrims();
        int maxBs = Math.Max(o.Rw.HasReads() ? bs.Read.Max : 0, writeSizes ? bs.Write.Max : 0);
        int minBs = Math.Min(o.Rw.HasReads() ? bs.Read.Min : int.MaxValue, writeSizes ? bs.Write.Min : int.MaxValue);
        if (o.Get(Opt.Verify) != VerifyKind.None || o.Get(Opt.VerifyPattern) is not null)
        {
            // The read-back reads what was written with the write sizes.
            maxBs = Math.Max(maxBs, bs.Write.Max);
        }
        bool randomMap = !o.Get(Opt.NoRandomMap) && o.Get(Opt.RandomDistribution).Kind == DistributionKind.Random && o.Get(Opt.RandomGenerator) != RandomGenerator.Lfsr;
        // Random offsets are multiples of the smallest block (fio's default blockalign); a
        // sequential cursor moves by whole blocks and skips, so every size divides its unit.
        int grain = o.Rw.IsRandom() ? minBs : SequentialGrain(o, bs, minBs);
        PerDir<long?> align = o.Get(Opt.BlockAlign);
        if (o.Rw.IsRandom() && (align.Read ?? align.Write) is long ba)
        {
            grain = checked((int)Math.Min(align.Read ?? ba, align.Write ?? ba));
            if (grain != minBs && randomMap)
            {
                randomMap = false;
                notes.Add("blockalign differs from the smallest block size: the random map is off (as fio: \"Any use of blockalign= turns off randommap\")");
            }
        }
        if (grain % logical != 0)
        {
            throw new OptionException($"pinio: job '{name}': offsets would fall on multiples of {grain} bytes (from bs, bssplit, blockalign and rw=...:N), not of the target's logical block size {logical}");
        }
        long offset = ZonePlan.StartOffset(o, target.Capacity, grain, minBs, clone);
        // fio: a block device job with size= whose offset lies past the device's end does no I/O
        // (fio 3.33 ran offset=524z size=8z on a 1 GiB device: 0 bytes, no error); without size= it is refused.
        bool pastEnd = offset >= target.Capacity && target is FileTarget { IsBlockDevice: true } && (o.Size is not null || o.SizePercent is not null);
        if (pastEnd)
        {
            notes.Add($"offset={offset} lies past the end of {target.Filename} ({target.Capacity} bytes): the job does no I/O (as fio)");
            offset = 0;
        }
        if (offset >= target.Capacity)
        {
            throw new OptionException($"pinio: job '{name}': offset={offset} lies past the end of the {target.Capacity}-byte target{(clone > 0 && o.IsSet(Opt.OffsetIncrement) ? $" (offset + {clone} x offset_increment)" : "")} (fio: \"you need to specify valid offset=\"): give a smaller offset");
        }
        if (offset % logical != 0)
        {
            throw new OptionException($"pinio: job '{name}': offset={offset} must be a multiple of {logical} inside the {target.Capacity}-byte target");
        }
        // fill_device: the rest of the target, size= lifted (fio's "size really large").
        long size = target is FileSetTarget files ? files.TotalBytes(o, grain, maxBs)
            : FillDevice.Wanted(o) ? target.Capacity - offset
            : o.SizePercent is double percent ? (long)(target.Capacity * (percent / 100.0))
            : o.Size ?? (o.Get(Opt.FileSize)?.Min is long fileSize && fileSize > offset ? fileSize - offset : target.Capacity - offset);
        if (offset + size > target.Capacity && target is not FileSetTarget)
        {
            if (target is not FileTarget { IsBlockDevice: true })
            {
                throw new OptionException($"pinio: job '{name}': offset={offset} plus size={size} runs past the end of {target.Filename} ({target.Capacity} bytes)");
            }
            // fio: a block device's region ends with the device, for writes as for reads.
            notes.Add($"size={size} runs past the end of {target.Filename}: the region is clamped to the device's {target.Capacity - offset} bytes from offset={offset}");
            size = target.Capacity - offset;
        }
        size -= size % grain;
        ZonePlan? zones = ZonePlan.Resolve(name, o, target, bs, logical);
        if (zones is not null && target is FileSetTarget)
        {
            throw new OptionException($"pinio: job '{name}': zonemode={o.Get(Opt.ZoneModeOption).ToString().ToLowerInvariant()} works on one file or device: give the job one filename (nrfiles=1), or drop zonemode");
        }
        ZonePlan.AddNotes(o, zones, notes);
        if (zones is { IsZbd: true } && !pastEnd)
        {
            zones.AlignRegion(name, o.Rw.HasWrites() || o.Rw.HasTrims(), ref offset, ref size, notes);
        }
        if (size < maxBs)
        {
            throw new OptionException($"pinio: job '{name}': size is smaller than one block of bs={maxBs}");
        }
        VerifyKind verify = o.Get(Opt.Verify);
        if (verify == VerifyKind.None && o.Get(Opt.VerifyPattern) is not null && !o.IsSet(Opt.Verify))
        {
            // fio's str_verify_pattern_cb: a pattern alone means verify=pattern.
            verify = VerifyKind.Pattern;
        }
        if (verify == VerifyKind.Pattern && o.Get(Opt.VerifyPattern) is null)
        {
            throw new OptionException($"pinio: job '{name}': verify=pattern needs verify_pattern (0x hex bytes or a \"string\")");
        }
        if (o.Get(Opt.VerifyOnly) && verify == VerifyKind.None)
        {
            throw new OptionException($"pinio: job '{name}': verify_only needs verify= (the checksum the earlier run wrote)");
        }
        if (o.Get(Opt.VerifyOnly) && (o.Get(Opt.TimeBased) || o.Get(Opt.RampTime) > 0))
        {
            throw new OptionException($"pinio: job '{name}': verify_only replays the earlier run's writes from its seed, which a time_based or ramp_time job cannot: make the job size-bound");
        }
        if (verify != VerifyKind.None && o.Rw.HasWrites() && !o.Get(Opt.DoVerify) && o.Get(Opt.VerifyBacklog) == 0 && !o.Get(Opt.VerifyOnly))
        {
            notes.Add("do_verify=0: blocks are written with verify headers and not read back");
        }
        VerifyChecks.Check(name, o, verify, bs, notes);
        JobNotes.AddEngineNotes(o, target, notes);
        FileSetTarget.AddNotes(o, target, notes);
        JobNotes.AddLogNotes(o, notes);
        RatePlan.Check(name, o, notes);
        SchedChecks.Check(name, o, target, notes);
        ulong seed = o.Get(Opt.RandRepeat) || o.IsSet(Opt.RandSeed) ? o.Get(Opt.RandSeed) : (ulong)Random.Shared.NextInt64(long.MinValue, long.MaxValue);
        long perLoop = o.Get(Opt.IoSize) ?? size;
        BatchShape batch = BatchPlan.Resolve(o, target, notes);
        return new JobPlan
        {
            Name = name,
            Number = number,
            CloneIndex = clone,
            Options = o,
            Target = target,
            Rw = o.Rw,
            Bs = bs,
            BlockSize = maxBs,
            Grain = grain,
            BatchSubmit = batch.Submit,
            BatchCompleteMin = batch.CompleteMin,
            BatchCompleteMax = batch.CompleteMax,
            ReapsReadyFirst = batch.ReapsReadyFirst,
            Offset = pastEnd ? target.Capacity : offset,
            EmptyRegion = pastEnd,
            Size = size,
            IoBudget = perLoop > long.MaxValue / o.Get(Opt.Loops) ? long.MaxValue : perLoop * o.Get(Opt.Loops),
            MaxPasses = o.Get(Opt.IoSize) is long ioSize && ioSize > size ? long.MaxValue : o.Get(Opt.Loops),
            Verify = verify,
            Seed = Taus88.DeriveSeed(seed, number, 0),
            RandomMap = randomMap,
            Distribution = o.Get(Opt.RandomDistribution),
            Zones = zones,
            FixedBufs = o.Get(Opt.FixedBufs) && target is not FileTarget { Dotnet: true } and not FileSetTarget,
            RwMixRead = o.RwMixRead,
            Logs = LogPlan.Resolve(o, name, number),
            FlushEvery = MinPositive(o.Get(Opt.Fsync), o.Get(Opt.Fdatasync)),
            Cpus = JobCpus(o, number),
            StaysOnStartCpu = ColocatesDepth1(o, target),
            DisableLat = o.DisableLat,
            DisableClat = o.DisableClat,
            DisableSlat = o.DisableSlat,
            DisableBw = o.DisableBw,
            Notes = notes,
        };
    }

    /// <summary>
    /// The CPUs of job thread <paramref name="number"/>: the whole set when shared, else the set's
    /// (number - 1)-th CPU, wrapping around — fio's fio_cpus_split by td->thread_number - 1, which
    /// counts the threads of every job of the run, not the clones of this one.
    /// </summary>
    private static int[]? JobCpus(JobOptions o, int number)
    {
        if (o.CpusAllowed is not { } set)
        {
            return null;
        }
        OptionDef option = o.IsSet(Opt.CpusAllowed) && o.Get(Opt.CpusAllowed) == set ? Opt.CpusAllowed : Opt.CpuMask;
        try
        {
            ValueParsers.CheckConfigured(set, Linux.CpuAffinity.ConfiguredCpus);
        }
        catch (FormatException e)
        {
            string written = o.Written.Last(kv => kv.Key == option.Name).Value;
            throw new OptionException($"pinio: failed parsing {option.Name}={written}: {e.Message}", e);
        }
        return o.Get(Opt.CpusAllowedPolicy) == CpusAllowedPolicy.Split ? [set.Cpus[(number - 1) % set.Cpus.Length]] : set.Cpus;
    }

    /// <summary>
    /// colocate_depth1: a depth-1 job on its own polled io_uring ring, with no CPUs asked for. A
    /// read the device cannot take without blocking (zram, ext4 on a virtio disk) goes to an io-wq
    /// worker that inherits the job thread's CPUs; at depth 1 the two take turns, so one CPU
    /// loses nothing, and a cross-CPU wake-up of an idle CPU costs tens of microseconds in a VM.
    /// Block devices only: on an ext4 file (reads not punted, completions from the disk's
    /// interrupt) binding the thread cost 0.57x against 0.88x unbound (bench/depth1-colocate.sh).
    /// </summary>
    private static bool ColocatesDepth1(JobOptions o, Target target) =>
        o.Get(Opt.ColocateDepth1) && o.Get(Opt.IoDepth) == 1 && o.CpusAllowed is null
        && target is FileTarget { IsBlockDevice: true, Engine: IoEngine.IoUring, Dotnet: false, SubmissionPolling: false, Unpolled: false };

    /// <summary>bs=, bsrange= and bssplit= per direction (bssplit over bsrange over bs, as fio), each checked against the target.</summary>
    private static PerDir<BlockSizeSpec> BlockSizes(string name, JobOptions o, int logical)
    {
        PerDir<int> bs = o.Bs;
        PerDir<BsRange?> range = o.Get(Opt.BsRange);
        PerDir<BsSplitEntry[]?> split = o.Get(Opt.BsSplit);
        return new PerDir<BlockSizeSpec>(One(false), One(true));

        BlockSizeSpec One(bool write)
        {
            BlockSizeSpec spec = split[write] is { } entries ? BlockSizeSpec.FromSplit(entries)
                : range[write] is BsRange r ? new BlockSizeSpec(r.Min, r.Max, null)
                : new BlockSizeSpec(bs[write], bs[write], null);
            foreach (int size in spec.Sizes())
            {
                if (size % logical != 0)
                {
                    throw new OptionException($"pinio: job '{name}': bs={size} is not a multiple of the target's logical block size {logical} (Direct I/O needs whole blocks)");
                }
            }
            return spec;
        }
    }

    /// <summary>The greatest common divisor of every block size and skip a sequential job can use: all its offsets are multiples of it.</summary>
    private static int SequentialGrain(JobOptions o, PerDir<BlockSizeSpec> bs, int minBs)
    {
        long grain = minBs;
        foreach (bool write in new[] { false, true })
        {
            if (write ? !o.Rw.HasWrites() : !o.Rw.HasReads())
            {
                continue;
            }
            foreach (int size in bs[write].Sizes())
            {
                grain = (long)System.Numerics.BigInteger.GreatestCommonDivisor(grain, size);
            }
        }
        if (o.RwModifier != 0)
        {
            grain = (long)System.Numerics.BigInteger.GreatestCommonDivisor(grain, Math.Abs(o.RwModifier));
        }
        return (int)grain;
    }

    private static int MinPositive(int a, int b) => a <= 0 ? Math.Max(b, 0) : b <= 0 ? a : Math.Min(a, b);
}
