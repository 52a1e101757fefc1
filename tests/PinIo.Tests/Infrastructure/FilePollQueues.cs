using PinIo.Linux;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Whether polled I/O (IORING_SETUP_IOPOLL, fio's hipri) can work for a path: the block device
/// under a file, or the block device itself, has poll queues when its sysfs queue says
/// <c>io_poll</c> = 1 (a partition reads its disk's queue). Tests decide from it which outcome to
/// expect, so that neither a silent success nor a failure can pass for the other.
/// </summary>
internal static class FilePollQueues
{
    public static bool Under(string path)
    {
        if (StatxInfo.TryGet(path, out StatxInfo st) != 0)
        {
            return false;
        }
        (uint major, uint minor) = st.IsBlockDevice ? (st.RdevMajor, st.RdevMinor) : (st.DevMajor, st.DevMinor);
        string device = $"/sys/dev/block/{major}:{minor}";
        foreach (string ioPoll in new[] { $"{device}/queue/io_poll", $"{device}/../queue/io_poll" })
        {
            if (File.Exists(ioPoll))
            {
                return File.ReadAllText(ioPoll).Trim() == "1";
            }
        }
        // No block device at all (tmpfs, overlay, a network file system): nothing to poll.
        return false;
    }
}
