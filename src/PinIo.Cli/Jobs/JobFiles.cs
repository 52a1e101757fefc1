// Follows fio's filesetup.c (add_file, setup_files: the files of a job and their sizes) and init.c (make_filename) in meaning.
using System.Globalization;
using PinIo.Block;
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// A job with several files (nrfiles=, or a filename=a:b list), or one run by a file-system
/// engine (falloc, filecreate ... dirdelete): each file has a region of its own — size= split
/// over the files, or filesize= each (drawn in its range) — and its own offsets. An I/O names
/// its file by the high bits of its offset: file <c>i</c>'s bytes are at
/// <c>i &lt;&lt; <see cref="FileShift"/></c> and up, so slots, engines and overlap checks
/// carry one number as before.
/// </summary>
internal sealed record FileSetTarget(string Filename, IReadOnlyList<FileTarget> Files, IReadOnlyList<long> Regions, IoEngineKind EngineKind) : Target(Filename)
{
    /// <summary>Each file's share of the offset space: 16 TiB, so that 2^19 files fit a long.</summary>
    public const int FileShift = 44;

    public const long FileMask = (1L << FileShift) - 1;

    /// <summary>The smallest file: offset= must fall inside every file.</summary>
    public override long Capacity => Files.Min(f => f.Capacity);

    public override int LogicalBlockSize => Files.Max(f => f.LogicalBlockSize);

    /// <summary>The engines that move no data lay out nothing; the others lay out each file that needs it.</summary>
    public override bool NeedsLayout => MovesData && Files.Any(f => f.NeedsLayout);

    // Made once: a job of thousands of files is asked for its key once per job of the run.
    private string? _deviceKey;

    public override string DeviceKey => _deviceKey ??= MovesData
        ? $"files|{EngineKind}|{string.Join('|', Files.Select(f => f.DeviceKey))}"
        : $"files|{EngineKind}|{Environment.CurrentDirectory}|{string.Join('\0', Files.Select(f => f.Filename))}";

    public override bool CompletesOnJobThread => !MovesData || Files.All(f => f.Engine == IoEngine.Sync);

    /// <summary>Whether the job's I/O goes through PinIo's Direct I/O (not falloc, not a path operation).</summary>
    public bool MovesData => EngineKind != IoEngineKind.Falloc && !EngineKind.IsPathOperation();

    public override IBlockDevice Open(long fixedBufferBytes) => throw new InvalidOperationException("a file set opens as a FileSet, a device per file");

    /// <summary>The file of an offset in the job's offset space, and the offset within it.</summary>
    public static (int File, long Offset) Split(long offset) => ((int)(offset >> FileShift), offset & FileMask);

    /// <summary>
    /// The job's files when it has more than one or a file-system engine runs it; null for one
    /// ordinary target (which <see cref="Target.ParseName"/> parses as before). Throws
    /// <see cref="OptionException"/> for what a file set cannot be.
    /// </summary>
    public static FileSetTarget? TryParse(string jobName, JobOptions o, int clone)
    {
        IoEngineKind engine = o.Get(Opt.IoEngine);
        bool fsEngine = engine == IoEngineKind.Falloc || engine.IsPathOperation();
        string? filename = o.Get(Opt.Filename);
        IReadOnlyList<string> names = filename is null ? GeneratedNames(jobName, o, clone)
            : IsPinIoName(filename) ? [filename]
            : ValueParsers.SplitFilenames(filename);
        // One file is an ordinary target, unless its size is drawn from a range (a set of one does that).
        if (names.Count == 1 && !fsEngine && o.Get(Opt.FileSize) is not { IsRange: true })
        {
            return null;
        }
        RefuseWhatASetCannotDo(jobName, o, names, engine);
        string? directory = o.Get(Opt.Directory);
        string[] paths = [.. names.Select(n => directory is { Length: > 0 } && !Path.IsPathRooted(n) ? Path.Combine(directory, n) : n)];
        long[] regions = DrawRegions(jobName, o, paths, engine, clone);
        long offset = o.Get(Opt.Offset).Bytes;
        var files = new FileTarget[paths.Length];
        var named = NamedFile(string.Empty, 0, o);
        for (int i = 0; i < paths.Length; i++)
        {
            files[i] = fsEngine ? named with { Filename = paths[i], WantedBytes = offset + regions[i] } : FileTarget.Parse(jobName, paths[i], o, offset + regions[i]) with { Unpolled = true };
        }
        return new FileSetTarget(string.Join(':', names), files, regions, engine);
    }

    /// <summary>A lone file's bytes: filesize= (a range makes a set of one, which draws it), else offset + size, else 0 (the file's own size).</summary>
    public static long SingleFileBytes(JobOptions o) => o.Get(Opt.FileSize)?.Min ?? (o.Size is long size ? o.Get(Opt.Offset).Bytes + size : 0);

    /// <summary>File <paramref name="fileNumber"/>'s generated name: filename_format with its keywords replaced, fio's $jobname.$jobnum.$filenum by default.</summary>
    public static string GeneratedName(string jobName, JobOptions o, int clone, int fileNumber)
    {
        string format = o.Get(Opt.FilenameFormat) ?? "$jobname.$jobnum.$filenum";
        return format.Replace("$jobname", jobName, StringComparison.Ordinal)
            .Replace("$jobnum", clone.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("$filenum", fileNumber.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("$clientuid", string.Empty, StringComparison.Ordinal);
    }

    private static string[] GeneratedNames(string jobName, JobOptions o, int clone) =>
        [.. Enumerable.Range(0, o.Get(Opt.NrFiles)).Select(i => GeneratedName(jobName, o, clone, i))];

    /// <summary>pinio's own target names hold colons that separate their parts, not files.</summary>
    private static bool IsPinIoName(string filename) =>
        filename.StartsWith(RamPrefix, StringComparison.OrdinalIgnoreCase) || filename.StartsWith(FaultTarget.Prefix, StringComparison.OrdinalIgnoreCase) || VolumeTarget.IsVolumeName(filename);

    private static void RefuseWhatASetCannotDo(string jobName, JobOptions o, IReadOnlyList<string> names, IoEngineKind engine)
    {
        string what = names.Count > 1 ? $"{names.Count} files" : $"ioengine={engine.FioName()}";
        if (names.Any(n => n.Length == 0 || n.Contains('\0', StringComparison.Ordinal)))
        {
            throw new OptionException($"pinio: job '{jobName}': filename= holds an empty name or a NUL: give files separated by ':' (a ':' inside a name as '\\:')");
        }
        if (names.Count > 1 && names.Any(IsPinIoName))
        {
            throw new OptionException($"pinio: job '{jobName}': {what}: ram:, vol:, volram: and faulty: targets take one job each, not a list; give files or block devices");
        }
        if (engine is IoEngineKind.Dotnet or IoEngineKind.Ftruncate or IoEngineKind.Null)
        {
            throw new OptionException($"pinio: job '{jobName}': {what} with ioengine={engine.FioName()} is not supported: use psync, libaio or io_uring, or one file");
        }
        if (o.Get(Opt.Verify) != VerifyKind.None || o.Get(Opt.VerifyPattern) is not null)
        {
            throw new OptionException($"pinio: job '{jobName}': verify= with {what} is not supported (pinio's block log covers one region): verify one file per job");
        }
        if (names.Count > 1 && o.SizePercent is not null)
        {
            throw new OptionException($"pinio: job '{jobName}': size= as a percentage with {what} is not supported: give size= in bytes or filesize=");
        }
        if (names.Count > 1 << (63 - FileShift))
        {
            throw new OptionException($"pinio: job '{jobName}': {what}: at most {1 << (63 - FileShift)} files per job");
        }
    }

    /// <summary>
    /// Each file's region, as fio's setup_files: filesize= (an existing file whose size is in
    /// the range keeps it; else drawn in the range, whole smallest blocks) less offset; else
    /// size= split evenly; else the existing file's size less offset. The path engines that
    /// create their files address one block of each (fio's get_file_size for them).
    /// </summary>
    private static long[] DrawRegions(string jobName, JobOptions o, string[] paths, IoEngineKind engine, int clone)
    {
        int minBs = Math.Min(o.Bs.Read, o.Bs.Write);
        long offset = o.Get(Opt.Offset).Bytes;
        var sizes = new Taus88(Taus88.DeriveSeed(o.Get(Opt.RandSeed), clone, 7));
        var regions = new long[paths.Length];
        for (int i = 0; i < paths.Length; i++)
        {
            if (engine is IoEngineKind.FileCreate or IoEngineKind.DirCreate or IoEngineKind.DirStat or IoEngineKind.DirDelete)
            {
                regions[i] = minBs;
                continue;
            }
            long existing = File.Exists(paths[i]) ? new FileInfo(paths[i]).Length : 0;
            regions[i] = o.Get(Opt.FileSize) is FileSizeRange range
                ? (existing >= range.Min && existing <= range.Max ? existing : Drawn(range, minBs, ref sizes)) - offset
                : o.Size is long size ? size / paths.Length
                : existing - offset;
            if (regions[i] <= 0)
            {
                throw new OptionException($"pinio: job '{jobName}': {paths[i]} would have no bytes to address (give size= or filesize= larger than offset={offset})");
            }
        }
        return regions;
    }

    private static long Drawn(FileSizeRange range, int unit, ref Taus88 rng)
    {
        if (!range.IsRange)
        {
            return range.Min;
        }
        long drawn = range.Min + (long)((range.Max - range.Min) * (rng.Next() / (uint.MaxValue + 1.0)));
        return Math.Max(range.Min, drawn - (drawn % unit));
    }

    /// <summary>A name the file-system engines act on: nothing probed or opened while planning.</summary>
    private static FileTarget NamedFile(string path, long bytes, JobOptions o) =>
        new(path, IoEngine.Sync, Direct: false, ExistingBytes: 0, WantedBytes: bytes, IsBlockDevice: false, QueueLimits.SectorSize)
        {
            Fallocate = o.Get(Opt.Fallocate), CreateOnOpen = o.Get(Opt.CreateOnOpen), MakeParents = o.Get(Opt.FilenameFormat) is not null,
        };

    /// <summary>
    /// The job's bytes over all its files, each region whole grains: size= when smaller (fio's
    /// size caps the I/O, filesize= the files), else the regions' sum. Throws when a file's
    /// region holds less than one block.
    /// </summary>
    public long TotalBytes(JobOptions o, int grain, int maxBs)
    {
        long total = 0;
        for (int i = 0; i < Regions.Count; i++)
        {
            long region = Regions[i] / grain * grain;
            if (region < maxBs)
            {
                throw new OptionException($"pinio: job '{o.Get(Opt.Name)}': {Files[i].Filename} has {Regions[i]} bytes to address, less than one block of bs={maxBs}: give a larger size= or filesize=, or fewer files");
            }
            total += region;
        }
        return o.Size is long size && size < total && o.Get(Opt.FileSize) is not null ? size / grain * grain : total;
    }

    /// <summary>What pinio does differently from fio with a job's files.</summary>
    public static void AddNotes(JobOptions o, Target target, List<string> notes)
    {
        int files = target is FileSetTarget set ? set.Files.Count : 1;
        if (o.Get(Opt.OpenFiles) is int open && open < files && target is FileSetTarget { MovesData: true })
        {
            notes.Add($"openfiles={open}: pinio opens all {files} files when the job starts and keeps them open (fio opens at most {open} at a time)");
        }
        if (o.Get(Opt.CreateOnOpen) && target is FileTarget or FileSetTarget { MovesData: true })
        {
            notes.Add("create_on_open: missing files are created when the job opens them, as the run starts (not at each file's first I/O), and not laid out");
        }
        if (o.IsSet(Opt.NrFiles) && o.Get(Opt.Filename) is not null && o.Get(Opt.NrFiles) != files)
        {
            notes.Add($"nrfiles={o.Get(Opt.NrFiles)}: filename= names the job's files ({files}), so nrfiles is ignored, as fio ignores it");
        }
        if (o.Get(Opt.FixedBufs) && target is FileSetTarget)
        {
            notes.Add("fixedbufs: a job with several files has a ring per file; its buffers are not registered with them (pinned per I/O instead)");
        }
        if (target is FileTarget or FileSetTarget { MovesData: true } && o.IsSet(Opt.Fallocate) && o.Get(Opt.Fallocate) is FallocateMode.None or FallocateMode.Keep)
        {
            notes.Add($"fallocate={o.Get(Opt.Fallocate).ToString().ToLowerInvariant()}: a file pinio creates or extends gets its size with ftruncate before the job (fio leaves it to the writes), so that Direct I/O may address its whole region");
        }
    }
}
