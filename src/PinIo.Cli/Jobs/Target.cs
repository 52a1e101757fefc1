using PinIo.Block;
using PinIo.Cli.Options;
using PinIo.Devices;

namespace PinIo.Cli.Jobs;

/// <summary>
/// Where a job does its I/O: <c>ram:SIZE</c>, PinIo's <see cref="RamDisk"/>, or a path — a
/// regular file or a block device — opened as a <see cref="FileDevice"/>. Every I/O goes through
/// <see cref="Fs.DirectIo"/> either way. Jobs whose targets have the same <see cref="DeviceKey"/>
/// share one device, as fio's jobs share a file.
/// </summary>
internal abstract record Target(string Filename)
{
    public const string RamPrefix = "ram:";

    /// <summary>Bytes the job may address.</summary>
    public abstract long Capacity { get; }

    /// <summary>Offsets and block sizes must be multiples of it.</summary>
    public abstract int LogicalBlockSize { get; }

    /// <summary>Whether reads need the region written first (fio lays out a new file; a RAM disk starts empty).</summary>
    public abstract bool NeedsLayout { get; }

    public abstract string DeviceKey { get; }

    /// <summary>Jobs whose targets have the same key see the same data: a region one of them laid out is laid out for all.</summary>
    public virtual string LayoutKey => DeviceKey;

    /// <summary>Whether every I/O of a job completes on the job's own thread (its CPU time is then the job's).</summary>
    public abstract bool CompletesOnJobThread { get; }

    /// <summary>Opens the device; <paramref name="fixedBufferBytes"/> of registered pool memory for the jobs that use fixedbufs.</summary>
    public abstract IBlockDevice Open(long fixedBufferBytes);

    /// <summary>
    /// Parses a job's filename, fio's default (<c>jobname.clone.0</c>) when there is none, taken
    /// in <c>directory</c> when that is set and the name is relative. Throws
    /// <see cref="OptionException"/> for a target pinio cannot use. <paramref name="createdEarlier"/>
    /// gives, for a file's full path, the bytes a job of an earlier stonewall segment creates it
    /// with (null: none does): a missing file that one creates is planned as sized when the
    /// job's segment starts.
    /// </summary>
    public static Target Parse(string jobName, JobOptions o, int clone = 0, Func<string, long?>? createdEarlier = null)
    {
        if (FileSetTarget.TryParse(jobName, o, clone) is { } files)
        {
            return files;
        }
        string filename = o.Get(Opt.Filename) ?? FileSetTarget.GeneratedName(jobName, o, clone, 0);
        return ParseName(jobName, filename, o, createdEarlier);
    }

    /// <summary>As <see cref="Parse"/>, for a filename given apart from the options (the TARGET of a <c>faulty:</c> one).</summary>
    public static Target ParseName(string jobName, string filename, JobOptions o, Func<string, long?>? createdEarlier = null)
    {
        if (filename.Length == 0 || filename.Contains('\0', StringComparison.Ordinal))
        {
            throw new OptionException($"pinio: job '{jobName}': filename= is empty or holds a NUL: give a file, a block device, ram:SIZE or volram:SIZE:NAME");
        }
        if (o.Get(Opt.IoEngine) == IoEngineKind.Null)
        {
            return NullTarget.Parse(jobName, filename, o);
        }
        if (o.Get(Opt.IoEngine) is IoEngineKind.Cpuio or IoEngineKind.Exec or IoEngineKind.Net)
        {
            return DisklessTarget.Parse(jobName, filename, o);
        }
        if (o.Get(Opt.IoEngine) == IoEngineKind.Ftruncate && filename.Contains(':', StringComparison.Ordinal))
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=ftruncate truncates a regular file; filename={filename} is not one");
        }
        if (o.Get(Opt.IoEngine) == IoEngineKind.Mmap && filename.Contains(':', StringComparison.Ordinal))
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=mmap maps a regular file or a block device; filename={filename} is neither (use ioengine=psync for ram:, vol: and faulty: targets)");
        }
        if (o.Get(Opt.IoEngine) is IoEngineKind.Mmap or IoEngineKind.Splice && o.Rw.HasTrims())
        {
            throw new OptionException($"pinio: job '{jobName}': rw={o.Rw.FioName()} with ioengine={o.Get(Opt.IoEngine).FioName()} is not supported: pick psync, libaio or io_uring to trim");
        }
        if (filename.StartsWith(FaultTarget.Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return FaultTarget.Parse(jobName, filename, o);
        }
        if (VolumeTarget.IsVolumeName(filename))
        {
            VolumeTarget volume = VolumeTarget.Parse(jobName, filename, o);
            return volume.Buffered && o.Get(Opt.IoEngine) == IoEngineKind.Splice
                ? throw new OptionException($"pinio: job '{jobName}': ioengine=splice reads into its pipe by Direct I/O, which a Volume file's page cache (direct=0) does not take: set direct=1")
                : volume;
        }
        if (filename.StartsWith(RamPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return RamTarget.Parse(jobName, filename, o.Get(Opt.IoEngine));
        }
        if (o.Get(Opt.Directory) is { Length: > 0 } directory && !System.IO.Path.IsPathRooted(filename))
        {
            filename = System.IO.Path.Combine(directory, filename);
        }
        if (createdEarlier?.Invoke(System.IO.Path.GetFullPath(filename)) is long createdBytes && !File.Exists(filename))
        {
            // Provisional until the segment starts: the file's size is what the earlier job leaves.
            return FileTarget.Parse(jobName, filename, o, Math.Max(createdBytes, FileSetTarget.SingleFileBytes(o))) with { SizedAtSegmentStart = true };
        }
        return FileTarget.Parse(jobName, filename, o);
    }
}

/// <summary>
/// The embedded RAM disk. Synchronous engines (psync, sync, pvsync2) complete each bio inside
/// the submitting call, as a synchronous syscall does; asynchronous ones (io_uring, libaio)
/// complete on a device thread, concurrently with submission, as a real device's interrupt
/// would, so <c>iodepth</c> requests are in flight.
/// </summary>
internal sealed record RamTarget(string Filename, long Bytes, RamDiskCompletion Completion) : Target(Filename)
{
    public override long Capacity => Bytes;

    public override int LogicalBlockSize => QueueLimits.Default.LogicalBlockSize;

    public override bool NeedsLayout => true;

    public override string DeviceKey => $"{Filename.ToLowerInvariant()}|{Completion}";

    public override bool CompletesOnJobThread => Completion == RamDiskCompletion.Inline;

    public override IBlockDevice Open(long fixedBufferBytes) => new RamDisk(Bytes, new RamDiskOptions { Completion = Completion });

    public static RamTarget Parse(string jobName, string filename, IoEngineKind engine)
    {
        if (engine == IoEngineKind.Dotnet)
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=dotnet runs .NET RandomAccess on a file, not on a ram: target (PinIo's RAM disk has no file handle)");
        }
        long capacity;
        try
        {
            capacity = ValueParsers.ParseSize(filename[RamPrefix.Length..]);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new OptionException($"pinio: failed parsing filename={filename}: {e.Message}", e);
        }
        if (capacity < 4096 || capacity % 4096 != 0)
        {
            throw new OptionException($"pinio: filename={filename}: a RAM disk needs a size that is a positive multiple of 4 KiB");
        }
        return new RamTarget(filename, capacity, engine.IsSynchronous() ? RamDiskCompletion.Inline : RamDiskCompletion.Worker);
    }
}

/// <summary>
/// A regular file or a block device. io_uring maps to PinIo's io_uring engine in polled mode:
/// each job opens the file with a ring of its own, which its thread drives — one
/// io_uring_enter submits the batch and reaps, as fio's job loop does; sqthread_poll and hipri
/// give that ring a kernel submission thread (SQPOLL) and polled completions (IOPOLL), as fio's
/// do. psync, sync and pvsync2 map to the sync engine run inside the submitting call (the job's
/// own thread does the preadv2/pwritev2, as fio's does). dotnet opens the file with .NET alone (the
/// runner's DotnetFile). A file that does not exist, or is smaller than the job's region,
/// is created or extended and laid out (written) before a reading job starts.
/// </summary>
internal sealed record FileTarget(string Filename, IoEngine Engine, bool Direct, long ExistingBytes, long WantedBytes, bool IsBlockDevice, int Logical)
    : Target(Filename)
{
    private static int s_nextRing;

    /// <summary>A polled ring belongs to one job's thread: no two jobs share it.</summary>
    private readonly int _ring = Engine == IoEngine.IoUring ? Interlocked.Increment(ref s_nextRing) : 0;

    /// <summary>ioengine=dotnet: .NET's RandomAccess instead of PinIo.</summary>
    public bool Dotnet { get; init; }

    /// <summary>ioengine=ftruncate: the file's handle alone (opened as for dotnet); each write sets its size.</summary>
    public bool Ftruncate { get; init; }

    /// <summary>ioengine=mmap: the file's handle alone (opened as for dotnet, without O_DIRECT), mapped by the runner's MmapEngine.</summary>
    public bool Mmap { get; init; }

    /// <summary>A character device (/dev/null): written and read with plain pwrite/pread, as fio's psync does; PinIo's Direct I/O needs a file or a block device.</summary>
    public bool IsCharDevice { get; init; }

    /// <summary>sync=: open with O_DSYNC.</summary>
    public bool Dsync { get; init; }

    /// <summary>sqthread_poll=1: the ring has a kernel submission thread (IORING_SETUP_SQPOLL).</summary>
    public bool SubmissionPolling { get; init; }

    /// <summary>sqthread_poll_cpu=: the CPU that thread is bound to (IORING_SETUP_SQ_AFF); without sqthread_poll it does nothing, as in fio.</summary>
    public int? SubmissionPollCpu { get; init; }

    /// <summary>fill_device on a file: written until ENOSPC, never extended ahead of the writes.</summary>
    public bool Fills { get; init; }

    /// <summary>hipri=1: the ring polls the device for completions (IORING_SETUP_IOPOLL).</summary>
    public bool CompletionPolling { get; init; }

    /// <summary>reap_spin=: microseconds the job's reap looks for a completion before it sleeps (<see cref="FileDeviceOptions.ReapSpinMicroseconds"/>).</summary>
    public int ReapSpinUs { get; init; }

    /// <summary>pinio's own ring switches (ring_fd_register, no_sqarray, taskrun, hugepage_pool).</summary>
    public RingTuning Ring { get; init; } = new();

    /// <summary>Completions on the ring's own thread rather than polled by the job (a <c>faulty:</c> target's device sits between job and ring).</summary>
    public bool Unpolled { get; init; }

    /// <summary>fallocate=: how the file gets its space when the job creates or extends it.</summary>
    public FallocateMode Fallocate { get; init; } = FallocateMode.Native;

    /// <summary>create_on_open=1: a missing file is created when opened, not laid out first.</summary>
    public bool CreateOnOpen { get; init; }

    /// <summary>The file does not exist yet and a job of an earlier stonewall segment creates it: this target is provisional (<see cref="JobPlan.SizedAtSegmentStart"/>).</summary>
    public bool SizedAtSegmentStart { get; init; }

    /// <summary>filename_format named directories: they are made before the file is created.</summary>
    public bool MakeParents { get; init; }

    /// <summary>
    /// The job only reads a file or device that is already there and large enough: opened
    /// O_RDONLY, without O_CREAT, as fio opens a read job's file (a writer, a trimmer, a job that
    /// lays out, grows or fills the file, and zonemode=zbd open it for writing).
    /// </summary>
    public bool ReadOnly { get; init; }

    /// <summary>A block device's own size (a larger size= is clamped to it, as fio does); a file's, or what the job extends it to.</summary>
    public override long Capacity => IsBlockDevice ? ExistingBytes : Math.Max(ExistingBytes, WantedBytes);

    /// <summary>A polled ring and the inline sync engine run on the job's thread; .NET's RandomAccess completes on its thread pool.</summary>
    public override bool CompletesOnJobThread => !Dotnet || Ftruncate || Mmap;

    public override int LogicalBlockSize => Logical;

    public override bool NeedsLayout => !IsBlockDevice && !IsCharDevice && !CreateOnOpen && WantedBytes > ExistingBytes;

    public override string DeviceKey => $"{System.IO.Path.GetFullPath(Filename)}|{(Dotnet ? "dotnet" : Engine)}|{Direct}|{Dsync}|{_ring}{(ReadOnly ? "|ro" : "")}";

    /// <summary>The file, whatever ring or engine each job opens it with.</summary>
    public override string LayoutKey => System.IO.Path.GetFullPath(Filename);

    public override IBlockDevice Open(long fixedBufferBytes)
    {
        if (Dotnet)
        {
            throw new InvalidOperationException("a dotnet target opens as a DotnetFile: PinIo is not in its path");
        }
        FileSpace.Prepare(this);
        return FileDevice.Open(Filename, new FileDeviceOptions
        {
            Engine = Engine,
            ReadOnly = ReadOnly,
            Create = !IsBlockDevice && !ReadOnly,
            // fill_device: the file grows as it is written, until the file system is full.
            InitialSize = IsBlockDevice || Fills || ReadOnly ? 0 : WantedBytes,
            Direct = Direct,
            Dsync = Dsync,
            SyncWorkers = 0,
            PolledCompletions = Engine == IoEngine.IoUring && !Unpolled,
            BufferPoolBytes = fixedBufferBytes,
            SubmissionPolling = SubmissionPolling,
            SubmissionPollCpu = SubmissionPolling ? SubmissionPollCpu : null,
            CompletionPolling = CompletionPolling,
            ReapSpinMicroseconds = ReapSpinUs,
            RegisterRingFd = Ring.RegisterRingFd,
            PolledOwnerRegistersRingFd = Ring.RegisterRingFd, // the job thread polls its ring and exits when done
            NoSqArray = Ring.NoSqArray,
            TaskRun = Ring.TaskRun,
            HugePagePool = Ring.HugePagePool,
        });
    }

    /// <summary>The file or device <paramref name="filename"/>; <paramref name="wanted"/>: the bytes a regular file is created or extended to (default: filesize=, or offset + size).</summary>
    public static FileTarget Parse(string jobName, string filename, JobOptions o, long? wanted = null)
    {
        IoEngine engine = o.Get(Opt.IoEngine) switch
        {
            IoEngineKind.IoUring => IoEngine.IoUring,
            IoEngineKind.Libaio => IoEngine.Libaio,
            _ => IoEngine.Sync,
        };
        bool ftruncate = o.Get(Opt.IoEngine) == IoEngineKind.Ftruncate;
        if (ftruncate && o.Rw.HasReads())
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=ftruncate truncates the file at each write's offset and has nothing to read: use rw=write or randwrite");
        }
        bool mmap = o.Get(Opt.IoEngine) == IoEngineKind.Mmap;
        // ftruncate and mmap need only the file's handle, as the dotnet baseline opens it; a mapping has no O_DIRECT.
        bool dotnet = o.Get(Opt.IoEngine) == IoEngineKind.Dotnet || ftruncate || mmap;
        bool direct = o.Get(Opt.Direct) && !mmap;
        bool dsync = o.Get(Opt.Sync) != SyncMode.None;
        // fio's sqthread_poll and hipri are io_uring's; the sync engines have no ring to set up.
        bool ring = engine == IoEngine.IoUring;
        if (ring && o.Get(Opt.HiPri) && !o.Get(Opt.Direct))
        {
            throw new OptionException($"pinio: job '{jobName}': hipri polls for direct I/O only (an IOPOLL ring refuses buffered I/O): set direct=1, or drop hipri");
        }
        long wantedBytes = wanted ?? (FillDevice.Wanted(o) && !filename.StartsWith("/dev/", StringComparison.Ordinal) ? FillDevice.FileBytes(jobName, filename)
            : FileSetTarget.SingleFileBytes(o));
        if (!File.Exists(filename))
        {
            if (!o.Get(Opt.AllowFileCreate))
            {
                throw new OptionException($"pinio: job '{jobName}': filename={filename} does not exist, and allow_file_create=0 forbids creating it: create the file first, or drop allow_file_create=0");
            }
            if (wantedBytes == 0)
            {
                throw new OptionException(o.SizePercent is null
                    ? $"pinio: job '{jobName}': filename={filename} does not exist and no size= was given to create it"
                    : $"pinio: job '{jobName}': filename={filename} does not exist, and size= as a percentage needs an existing file or device");
            }
            return new FileTarget(filename, engine, direct, 0, wantedBytes, IsBlockDevice: false, QueueLimits.Default.LogicalBlockSize)
            {
                Fills = FillDevice.Wanted(o),
                Dotnet = dotnet, Ftruncate = ftruncate, Mmap = mmap, Dsync = dsync, SubmissionPolling = ring && o.Get(Opt.SqThreadPoll), SubmissionPollCpu = o.Get(Opt.SqThreadPollCpu), CompletionPolling = ring && o.Get(Opt.HiPri), Ring = RingTuning.From(o),
                ReapSpinUs = (int)o.Get(Opt.ReapSpin),
                Fallocate = o.Get(Opt.Fallocate), CreateOnOpen = o.Get(Opt.CreateOnOpen), MakeParents = o.Get(Opt.FilenameFormat) is not null,
            };
        }
        TargetProbe probe;
        try
        {
            probe = TargetProbe.Of(filename);
        }
        catch (DirectIoException e)
        {
            throw new OptionException($"pinio: job '{jobName}': filename={filename}: {e.Message}", e);
        }
        if (probe.IsCharDevice && mmap)
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=mmap maps a regular file or a block device; filename={filename} is a character device");
        }
        if (probe.IsCharDevice)
        {
            return CharDevice(jobName, filename, o, wantedBytes, dsync);
        }
        if (!probe.IsRegularFile && !probe.IsBlockDevice)
        {
            throw new OptionException($"pinio: job '{jobName}': filename={filename} is neither a regular file nor a block device (nor a character device such as /dev/null)");
        }
        if (ftruncate && !probe.IsRegularFile)
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=ftruncate needs a regular file; filename={filename} is a device");
        }
        bool fills = FillDevice.Wanted(o) && probe.IsRegularFile;
        return new FileTarget(filename, engine, direct, probe.Size, wantedBytes, probe.IsBlockDevice, probe.LogicalBlockSize)
        {
            Fills = fills,
            ReadOnly = !o.Rw.HasWrites() && !o.Rw.HasTrims() && !fills && !ftruncate && (probe.IsBlockDevice || probe.Size >= wantedBytes)
                && o.Get(Opt.ZoneModeOption) != ZoneMode.Zbd,
            Dotnet = dotnet, Ftruncate = ftruncate, Mmap = mmap, Dsync = dsync, SubmissionPolling = ring && o.Get(Opt.SqThreadPoll), SubmissionPollCpu = o.Get(Opt.SqThreadPollCpu), CompletionPolling = ring && o.Get(Opt.HiPri), Ring = RingTuning.From(o),
            ReapSpinUs = (int)o.Get(Opt.ReapSpin),
            Fallocate = o.Get(Opt.Fallocate), CreateOnOpen = o.Get(Opt.CreateOnOpen),
        };
    }

    /// <summary>
    /// A character device, as fio takes one: its size is the job's (size= or filesize=), its
    /// I/O plain pwrite/pread through .NET (fio's psync), never O_DIRECT (which /dev/null refuses).
    /// </summary>
    private static FileTarget CharDevice(string jobName, string filename, JobOptions o, long wanted, bool dsync)
    {
        if (o.Get(Opt.Direct))
        {
            throw new OptionException($"pinio: job '{jobName}': filename={filename} is a character device, which refuses O_DIRECT (fio's open fails too): drop direct=1");
        }
        if (wanted == 0)
        {
            throw new OptionException($"pinio: job '{jobName}': filename={filename} is a character device, which has no size: give size= in bytes");
        }
        return new FileTarget(filename, IoEngine.Sync, Direct: false, 0, wanted, IsBlockDevice: false, QueueLimits.SectorSize) { Dotnet = true, IsCharDevice = true, Dsync = dsync };
    }
}

/// <summary>The io_uring features a job's ring takes (all on by default), from pinio's own options.</summary>
internal sealed record RingTuning(bool RegisterRingFd = true, bool NoSqArray = true, IoUringTaskRun TaskRun = IoUringTaskRun.Deferred, bool HugePagePool = true)
{
    public static RingTuning From(JobOptions o) => new(o.Get(Opt.RingFdRegister), o.Get(Opt.NoSqArray), o.Get(Opt.TaskRun), o.Get(Opt.HugePagePool));
}
