// Follows block/ioctl.c (blk_ioctl_discard) and fs/open.c (vfs_fallocate with FALLOC_FL_PUNCH_HOLE): a discard bio as one syscall.
using PinIo.Block;
using PinIo.Linux;

namespace PinIo.Devices;

/// <summary>
/// A discard bio on a file device, for the engines that run it as a blocking call (sync
/// workers, the libaio thread, a polled ring): BLKDISCARD on a block device, a hole punch
/// that keeps the size on a regular file (fio's trim on files).
/// </summary>
internal static class FileDiscard
{
    /// <summary>fallocate mode of a file's discard: the blocks go, the size stays.</summary>
    public const int PunchHoleMode = Interop.FALLOC_FL_PUNCH_HOLE | Interop.FALLOC_FL_KEEP_SIZE;

    /// <summary>Returns 0 or a negative errno.</summary>
    public static int Run(FileDevice device, Bio bio)
    {
        int res;
        do
        {
            res = device.IsBlockDevice
                ? Interop.IoctlDiscard(device.Descriptor, (ulong)bio.Position, (ulong)bio.Size)
                : Interop.Fallocate(device.Descriptor, PunchHoleMode, bio.Position, bio.Size);
        }
        while (res == -(int)Errno.EINTR);
        return res;
    }
}
