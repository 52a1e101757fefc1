// Follows include/uapi/linux/stat.h (S_IF*) and Documentation/ABI/stable/sysfs-block (size, queue/logical_block_size).
using System.Globalization;
using PinIo.Block;
using PinIo.Linux;

namespace PinIo.Cli.Jobs;

/// <summary>
/// What planning needs to know of an existing path — its kind, size and logical block size —
/// read without opening it: statx by path, and for a block device its sysfs directory, so
/// that planning opens no device (the runner opens it, later, as the job asks).
/// </summary>
internal readonly record struct TargetProbe(int Mode, long Size, int LogicalBlockSize)
{
    public bool IsRegularFile => (Mode & Interop.S_IFMT) == Interop.S_IFREG;

    public bool IsBlockDevice => (Mode & Interop.S_IFMT) == Interop.S_IFBLK;

    public bool IsCharDevice => (Mode & Interop.S_IFMT) == Interop.S_IFCHR;

    /// <summary>Probes <paramref name="path"/>; throws <see cref="DirectIoException"/> when it cannot be stat'ed or a block device's sysfs entry cannot be read.</summary>
    public static TargetProbe Of(string path, string sysfsRoot = "/sys")
    {
        StatxInfo st = StatxInfo.Get(path);
        var probe = new TargetProbe(st.Mode, st.Size, FileLogicalBlock(st));
        if (!probe.IsBlockDevice)
        {
            return probe;
        }
        string sizeFile = Path.Combine(sysfsRoot, "dev", "block", $"{st.RdevMajor}:{st.RdevMinor}", "size");
        long sectors;
        try
        {
            sectors = long.Parse(File.ReadAllText(sizeFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            throw new DirectIoException(Errno.ENODEV, $"the size of block device {path} is not readable from {sizeFile} ({e.Message}): is sysfs mounted?", e);
        }
        int logical = BlockQueueInfo.Read(st.RdevMajor, st.RdevMinor, sysfsRoot).LogicalBlockSize ?? QueueLimits.SectorSize;
        return probe with { Size = sectors * QueueLimits.SectorSize, LogicalBlockSize = logical };
    }

    /// <summary>A file's Direct I/O unit as the file device takes it: the offset alignment statx reports, at least a sector.</summary>
    private static int FileLogicalBlock(StatxInfo st) => Math.Max(QueueLimits.SectorSize, st.DioOffsetAlign > 0 ? st.DioOffsetAlign : QueueLimits.SectorSize);
}
