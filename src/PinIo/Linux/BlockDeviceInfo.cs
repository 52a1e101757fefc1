// Follows include/uapi/linux/fs.h (BLKSSZGET, BLKPBSZGET, BLKGETSIZE64) and Documentation/ABI/stable/sysfs-block.
using System.Globalization;

namespace PinIo.Linux;

/// <summary>
/// A block device's geometry as the ioctls report it, with its request queue's limits from
/// sysfs (<see cref="Queue"/>).
/// </summary>
internal sealed record BlockDeviceInfo(
    int LogicalBlockSize,
    int PhysicalBlockSize,
    long SizeBytes,
    uint Major,
    uint Minor,
    BlockQueueInfo Queue)
{
    /// <summary>
    /// Reads the geometry of the block device behind <paramref name="fd"/>. Throws
    /// <see cref="DirectIoException"/>: ENOTBLK when it is not a block device.
    /// <paramref name="path"/> names the device in messages only.
    /// </summary>
    public static BlockDeviceInfo Query(FileDescriptor fd, string? path = null, string sysfsRoot = "/sys")
    {
        StatxInfo st = StatxInfo.Get(fd, path);
        if (!st.IsBlockDevice)
        {
            Errors.Throw(Errno.ENOTBLK, "BLKSSZGET", path ?? $"descriptor {fd.DangerousFd}");
        }

        Errors.Check(Interop.IoctlGetInt(fd, Interop.BLKSSZGET, out int logical), "ioctl BLKSSZGET", path);
        Errors.Check(Interop.IoctlGetInt(fd, Interop.BLKPBSZGET, out int physical), "ioctl BLKPBSZGET", path);
        Errors.Check(Interop.IoctlGetUInt64(fd, Interop.BLKGETSIZE64, out ulong size), "ioctl BLKGETSIZE64", path);
        BlockQueueInfo queue = BlockQueueInfo.Read(st.RdevMajor, st.RdevMinor, sysfsRoot);
        return new BlockDeviceInfo(logical, physical, (long)size, st.RdevMajor, st.RdevMinor, queue);
    }

    /// <summary>Opens <paramref name="path"/> read-only just long enough to <see cref="Query(FileDescriptor, string?, string)"/> it.</summary>
    public static BlockDeviceInfo Query(string path, string sysfsRoot = "/sys")
    {
        using FileDescriptor fd = FileDescriptor.Open(path, Interop.O_RDONLY);
        return Query(fd, path, sysfsRoot);
    }
}

/// <summary>
/// <c>/sys/dev/block/MAJ:MIN/queue/*</c>: the limits the block layer splits bios by. A file
/// that is absent (older kernels, or not a block device) leaves its field null. Byte values
/// the kernel reports as UINT_MAX, meaning "unlimited", read as <see cref="int.MaxValue"/>.
/// </summary>
internal sealed record BlockQueueInfo(
    int? LogicalBlockSize,
    int? PhysicalBlockSize,
    int? MaxSectorsKb,
    int? MaxSegments,
    int? MaxSegmentSize,
    int? DmaAlignment)
{
    public static readonly BlockQueueInfo Empty = new(null, null, null, null, null, null);

    /// <summary>discard_max_bytes: the largest discard the queue takes; 0 when the device cannot discard.</summary>
    public int? DiscardMaxBytes { get; init; }

    /// <summary>discard_granularity in bytes: the device's discard allocation unit.</summary>
    public int? DiscardGranularity { get; init; }

    /// <summary>
    /// A partition has no queue of its own: its sysfs directory holds a <c>partition</c>
    /// file and the queue lives in the parent disk's directory.
    /// </summary>
    public static BlockQueueInfo Read(uint major, uint minor, string sysfsRoot = "/sys")
    {
        string? queue = FindQueueDirectory(major, minor, sysfsRoot);
        if (queue is null)
        {
            return Empty;
        }

        return new BlockQueueInfo(
            ReadInt(queue, "logical_block_size"),
            ReadInt(queue, "physical_block_size"),
            ReadInt(queue, "max_sectors_kb"),
            ReadInt(queue, "max_segments"),
            ReadInt(queue, "max_segment_size"),
            ReadInt(queue, "dma_alignment"))
        {
            DiscardMaxBytes = ReadInt(queue, "discard_max_bytes"),
            DiscardGranularity = ReadInt(queue, "discard_granularity"),
        };
    }

    private static string? FindQueueDirectory(uint major, uint minor, string sysfsRoot)
    {
        string link = Path.Combine(sysfsRoot, "dev", "block", $"{major}:{minor}");
        if (!Directory.Exists(link))
        {
            return null;
        }

        // .NET normalises "link/.." lexically, which would climb out of /sys/dev/block
        // instead of to the parent disk, so resolve the link before taking the parent.
        string device = Directory.ResolveLinkTarget(link, returnFinalTarget: true)?.FullName ?? link;
        if (File.Exists(Path.Combine(device, "partition")))
        {
            device = Path.GetDirectoryName(device) ?? device;
        }

        string queue = Path.Combine(device, "queue");
        return Directory.Exists(queue) ? queue : null;
    }

    private static int? ReadInt(string directory, string name)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path.Combine(directory, name));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }

        if (!long.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            return null;
        }

        return (int)Math.Min(value, int.MaxValue);
    }
}
