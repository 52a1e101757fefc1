// Follows ioctl(2) and include/uapi/linux/fs.h (the BLK* block device requests).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    internal const uint BLKSSZGET = 0x1268;        // _IO(0x12, 104): logical block size, int
    internal const uint BLKIOMIN = 0x1278;         // _IO(0x12, 120): minimum I/O size, unsigned int
    internal const uint BLKIOOPT = 0x1279;         // _IO(0x12, 121): optimal I/O size, unsigned int
    internal const uint BLKPBSZGET = 0x127b;       // _IO(0x12, 123): physical block size, unsigned int
    internal const uint BLKGETSIZE64 = 0x80081272; // _IOR(0x12, 114, size_t): size in bytes, u64
    internal const uint BLKDISCARD = 0x1277;       // _IO(0x12, 119): discard range[2] = { start, length } in bytes

    /// Wraps ioctl(2).
    // ioctl is variadic in C; its single pointer argument travels like a named one on the
    // x86_64 and arm64 Linux ABIs.
    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int SysIoctl(SafeHandle fd, nuint request, void* argument);

    /// <summary>Returns 0 or -errno; for requests that store an int or unsigned int (BLKSSZGET, BLKPBSZGET).</summary>
    internal static unsafe int IoctlGetInt(SafeHandle fd, uint request, out int value)
    {
        int v = 0;
        int res = SysIoctl(fd, request, &v);
        value = v;
        return res >= 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// BLKDISCARD: the device forgets [start, start + length). Returns 0 or -errno: EBADF on a
    /// descriptor not open for writing, EOPNOTSUPP when the device cannot discard, EINVAL for a
    /// range off the logical block or past the end.
    /// </summary>
    internal static unsafe int IoctlDiscard(SafeHandle fd, ulong start, ulong length)
    {
        ulong* range = stackalloc ulong[2];
        range[0] = start;
        range[1] = length;
        int res = SysIoctl(fd, BLKDISCARD, range);
        return res >= 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Returns 0 or -errno; for requests that store a u64 (BLKGETSIZE64).</summary>
    internal static unsafe int IoctlGetUInt64(SafeHandle fd, uint request, out ulong value)
    {
        ulong v = 0;
        int res = SysIoctl(fd, request, &v);
        value = v;
        return res >= 0 ? 0 : -Marshal.GetLastPInvokeError();
    }
}
