// Follows fsync(2), fallocate(2), truncate(2) and include/uapi/linux/falloc.h.
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    internal const int FALLOC_FL_KEEP_SIZE = 0x01;      // allocate beyond EOF without growing i_size
    internal const int FALLOC_FL_PUNCH_HOLE = 0x02;     // needs KEEP_SIZE
    internal const int FALLOC_FL_NO_HIDE_STALE = 0x04;
    internal const int FALLOC_FL_COLLAPSE_RANGE = 0x08;
    internal const int FALLOC_FL_ZERO_RANGE = 0x10;
    internal const int FALLOC_FL_INSERT_RANGE = 0x20;
    internal const int FALLOC_FL_UNSHARE_RANGE = 0x40;

    /// Wraps fsync(2).
    [LibraryImport(Libc, EntryPoint = "fsync", SetLastError = true)]
    private static partial int SysFsync(SafeHandle fd);

    /// Wraps fdatasync(2).
    [LibraryImport(Libc, EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int SysFdatasync(SafeHandle fd);

    /// Wraps fallocate(2).
    [LibraryImport(Libc, EntryPoint = "fallocate", SetLastError = true)]
    private static partial int SysFallocate(SafeHandle fd, int mode, long offset, long length);

    /// Wraps ftruncate(2).
    [LibraryImport(Libc, EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int SysFtruncate(SafeHandle fd, long length);

    /// <summary>Returns 0 or -errno. O_DIRECT bypasses the page cache, not the device cache: this is the flush.</summary>
    internal static int Fsync(SafeHandle fd) => SysFsync(fd) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <summary>Returns 0 or -errno; as <see cref="Fsync"/> but skips metadata not needed to read the data back.</summary>
    internal static int Fdatasync(SafeHandle fd) => SysFdatasync(fd) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <summary>Returns 0 or -errno (EOPNOTSUPP when the file system lacks the mode).</summary>
    internal static int Fallocate(SafeHandle fd, int mode, long offset, long length) =>
        SysFallocate(fd, mode, offset, length) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <summary>Returns 0 or -errno.</summary>
    internal static int Ftruncate(SafeHandle fd, long length) =>
        SysFtruncate(fd, length) == 0 ? 0 : -Marshal.GetLastPInvokeError();
}
