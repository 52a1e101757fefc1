// Follows statx(2) and include/uapi/linux/stat.h, include/uapi/linux/fcntl.h (AT_*).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    internal const int AT_FDCWD = -100;
    internal const int AT_SYMLINK_NOFOLLOW = 0x100;
    internal const int AT_EMPTY_PATH = 0x1000;
    internal const int AT_STATX_SYNC_AS_STAT = 0x0;

    internal const uint STATX_TYPE = 0x1;
    internal const uint STATX_MODE = 0x2;
    internal const uint STATX_SIZE = 0x200;
    internal const uint STATX_BLOCKS = 0x400;
    internal const uint STATX_BASIC_STATS = 0x7ff;
    internal const uint STATX_BTIME = 0x800;
    internal const uint STATX_MNT_ID = 0x1000;
    internal const uint STATX_DIOALIGN = 0x2000;
    internal const uint STATX_MNT_ID_UNIQUE = 0x4000;
    internal const uint STATX_SUBVOL = 0x8000;
    internal const uint STATX_WRITE_ATOMIC = 0x10000;
    internal const uint STATX_DIO_READ_ALIGN = 0x20000;

    internal const int S_IFMT = 0xF000;   // 0170000
    internal const int S_IFSOCK = 0xC000; // 0140000
    internal const int S_IFLNK = 0xA000;  // 0120000
    internal const int S_IFREG = 0x8000;  // 0100000
    internal const int S_IFBLK = 0x6000;  // 0060000
    internal const int S_IFDIR = 0x4000;  // 0040000
    internal const int S_IFCHR = 0x2000;  // 0020000
    internal const int S_IFIFO = 0x1000;  // 0010000

    /// Wraps statx(2) for a path.
    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int SysStatx(int dirfd, string path, int flags, uint mask, Statx* buffer);

    /// Wraps statx(2) for an open descriptor (AT_EMPTY_PATH with an empty path).
    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int SysStatx(SafeHandle dirfd, string path, int flags, uint mask, Statx* buffer);

    /// <summary>
    /// Returns 0 or -errno. Symbolic links are followed. Fields whose bit is clear in
    /// <see cref="Statx.Mask"/> were not filled (the kernel zeroes them).
    /// </summary>
    internal static unsafe int StatxPath(string path, uint mask, out Statx buffer)
    {
        buffer = default;
        fixed (Statx* p = &buffer)
        {
            int res = SysStatx(AT_FDCWD, path, AT_STATX_SYNC_AS_STAT, mask, p);
            return res == 0 ? 0 : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>Returns 0 or -errno; as <see cref="StatxPath"/> for the file behind <paramref name="fd"/>.</summary>
    internal static unsafe int StatxFd(SafeHandle fd, uint mask, out Statx buffer)
    {
        buffer = default;
        fixed (Statx* p = &buffer)
        {
            int res = SysStatx(fd, string.Empty, AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, mask, p);
            return res == 0 ? 0 : -Marshal.GetLastPInvokeError();
        }
    }
}
