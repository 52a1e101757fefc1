using PinIo.Block;
using PinIo.Cli.Options;
using PinIo.Fs;

namespace PinIo.Cli.Jobs;

/// <summary>
/// A file inside a PinIo <see cref="Volume"/>: <c>vol:IMAGE:NAME</c> (IMAGE an existing regular
/// file or block device, opened as a <see cref="Devices.FileDevice"/>) or <c>volram:SIZE:NAME</c>
/// (a RAM disk formatted as a Volume for the run). NAME is everything after the last colon. An
/// image that reads as zeroes in its first 4 KiB (new, or wiped) is formatted; any other image
/// is mounted, so a Volume's files survive from run to run and an image that holds something
/// else is refused by Mount rather than overwritten. The job's file is created, or extended, to
/// <c>size=</c> as fio does a file: allocated (fallocate=native, fio's default: unwritten
/// extents, reading as zeroes; fallocate=none leaves a hole), then, for a reading job,
/// written by the layout. Jobs naming one image (or one
/// volram size) share one Volume, with the first job's <c>volume_dio</c> and <c>volume_cache</c>.
/// direct=1 takes the file's Direct I/O; direct=0 (fio's default, buffered) goes through the
/// Volume's page cache (<see cref="VolumeFile.ReadBufferedAsync"/>), with fio's invalidate
/// before the job; the layout is written with Direct I/O either way, so a buffered job starts
/// on a cold cache.
/// </summary>
internal sealed record VolumeTarget(string Filename, Target Device, string FileName, DirectIoPath Path, long WantedBytes) : Target(Filename)
{
    /// <summary>fallocate=native (fio's default): a new file's blocks are allocated unwritten; none: it is a hole and writes allocate.</summary>
    public bool Fallocate { get; init; } = true;

    /// <summary>direct=0: the job's reads and writes go through the Volume's page cache.</summary>
    public bool Buffered { get; init; }

    /// <summary>invalidate=1 with direct=0: the file's clean cached pages are dropped before the job (fio's POSIX_FADV_DONTNEED).</summary>
    public bool Invalidate { get; init; }

    /// <summary>fadvise_hint resolved against the job's pattern (None, Sequential, Random or Normal).</summary>
    public FadviseHint Hint { get; init; }

    /// <summary>volume_cache=: the Volume's page cache in bytes (0: the library's default).</summary>
    public long CacheBytes { get; init; }

    public const string ImagePrefix = "vol:";
    public const string VolRamPrefix = "volram:";

    public override long Capacity => WantedBytes;

    /// <summary>Direct I/O on a Volume file aligns to the device's logical block, as on XFS and ext4, not to the file-system block.</summary>
    public override int LogicalBlockSize => Device.LogicalBlockSize;

    /// <summary>What the file holds is known only once the Volume is mounted: a reading job writes its region first, as for a new file.</summary>
    public override bool NeedsLayout => true;

    /// <summary>One file of the Volume: two files in it are different data.</summary>
    public override string LayoutKey => $"{DeviceKey}|{FileName}";

    public override string DeviceKey => $"vol|{(Device is FileTarget file ? System.IO.Path.GetFullPath(file.Filename) : Device.DeviceKey)}";

    /// <summary>The Volume may end an I/O on another thread (metadata updates after the data).</summary>
    public override bool CompletesOnJobThread => false;

    /// <summary>The device underneath the Volume; the runner mounts the Volume on it.</summary>
    public override IBlockDevice Open(long fixedBufferBytes) => Device.Open(fixedBufferBytes);

    public static bool IsVolumeName(string filename) =>
        filename.StartsWith(ImagePrefix, StringComparison.OrdinalIgnoreCase) || filename.StartsWith(VolRamPrefix, StringComparison.OrdinalIgnoreCase);

    public static VolumeTarget Parse(string jobName, string filename, JobOptions o)
    {
        bool ram = filename.StartsWith(VolRamPrefix, StringComparison.OrdinalIgnoreCase);
        string rest = filename[(ram ? VolRamPrefix : ImagePrefix).Length..];
        int colon = rest.LastIndexOf(':');
        if (colon <= 0 || colon == rest.Length - 1)
        {
            throw new OptionException($"pinio: job '{jobName}': filename={filename}: expected {(ram ? "volram:SIZE:NAME, as volram:1g:data" : "vol:IMAGE:NAME, as vol:/dev/loop0:data")} (NAME: the file inside the Volume)");
        }
        string name = rest[(colon + 1)..];
        if (System.Text.Encoding.UTF8.GetByteCount(name) > 255)
        {
            throw new OptionException($"pinio: job '{jobName}': filename={filename}: a Volume file name is at most 255 bytes of UTF-8");
        }
        if (o.Get(Opt.IoEngine) == IoEngineKind.Dotnet)
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=dotnet runs .NET RandomAccess on a file; a Volume's file has only PinIo's Direct I/O (pick psync or io_uring)");
        }
        long wanted = o.Get(Opt.FileSize)?.Max ?? (o.Size is long size ? o.Get(Opt.Offset).Bytes + size : 0);
        if (wanted == 0)
        {
            throw new OptionException($"pinio: job '{jobName}': filename={filename}: give size= (or filesize=) in bytes: the file inside the Volume is created or extended to it");
        }
        string deviceName = rest[..colon];
        Target device = ram ? RamTarget.Parse(jobName, RamPrefix + deviceName, o.Get(Opt.IoEngine)) : ParseImage(jobName, filename, deviceName, o);
        if (wanted % device.LogicalBlockSize != 0)
        {
            throw new OptionException($"pinio: job '{jobName}': filename={filename}: size={wanted} must be a multiple of the device's {device.LogicalBlockSize}-byte logical block");
        }
        return new VolumeTarget(filename, device, name, o.Get(Opt.VolumeDio), wanted)
        {
            Fallocate = o.Get(Opt.Fallocate) is FallocateMode.Native or FallocateMode.Keep,
            Buffered = !o.Get(Opt.Direct),
            Invalidate = o.Get(Opt.Invalidate),
            Hint = o.Get(Opt.FadviseHint) == FadviseHint.ByPattern ? (o.Rw.IsRandom() ? FadviseHint.Random : FadviseHint.Sequential) : o.Get(Opt.FadviseHint),
            CacheBytes = o.Get(Opt.VolumeCache),
        };
    }

    private static FileTarget ParseImage(string jobName, string filename, string image, JobOptions o)
    {
        if (!File.Exists(image))
        {
            throw new OptionException($"pinio: job '{jobName}': filename={filename}: the image {image} does not exist: create it first (truncate -s 1g {image}) and pinio formats it");
        }
        // The image keeps its size: the Volume lives inside it, the job's size is the file's.
        FileTarget file = FileTarget.Parse(jobName, image, o);
        // The Volume awaits its bios: a polled ring would wait for the job to reap them.
        // A Volume's files take Direct I/O only, whatever direct= says (as ram: targets do): the image is opened O_DIRECT.
        return file with { Direct = true, WantedBytes = 0, Unpolled = true, CompletionPolling = false };
    }
}
