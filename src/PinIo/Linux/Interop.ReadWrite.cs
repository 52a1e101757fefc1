// Follows preadv2(2) / pwritev2(2) and include/uapi/linux/fs.h (RWF_*).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    internal const int RWF_HIPRI = 0x1;  // poll for completion (needs a polled queue)
    internal const int RWF_DSYNC = 0x2;  // per-request O_DSYNC
    internal const int RWF_SYNC = 0x4;   // per-request O_SYNC
    internal const int RWF_NOWAIT = 0x8; // EAGAIN instead of blocking
    internal const int RWF_APPEND = 0x10;

    /// <summary>
    /// Linux moves at most MAX_RW_COUNT (INT_MAX rounded down to a page) bytes per call, so
    /// the byte count of one call always fits an int.
    /// </summary>
    internal const int MaxRwCount = int.MaxValue & ~0xFFF;

    /// Wraps preadv2(2).
    [LibraryImport(Libc, EntryPoint = "preadv2", SetLastError = true)]
    private static unsafe partial nint SysPreadv2(SafeHandle fd, IoVec* iov, int iovcnt, long offset, int flags);

    /// Wraps pwritev2(2).
    [LibraryImport(Libc, EntryPoint = "pwritev2", SetLastError = true)]
    private static unsafe partial nint SysPwritev2(SafeHandle fd, IoVec* iov, int iovcnt, long offset, int flags);

    /// <summary>
    /// Returns the bytes read (fewer at end of file) or -errno. Offset -1 reads at the file
    /// position and advances it. The memory behind <paramref name="iov"/> must stay valid for
    /// the call; with O_DIRECT the kernel pins it (FOLL_PIN) for the duration.
    /// </summary>
    internal static unsafe int Preadv2(SafeHandle fd, ReadOnlySpan<IoVec> iov, long offset, int flags)
    {
        fixed (IoVec* p = iov)
        {
            nint res = SysPreadv2(fd, p, iov.Length, offset, flags);
            return res >= 0 ? (int)res : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>Returns the bytes written or -errno; as <see cref="Preadv2"/>.</summary>
    internal static unsafe int Pwritev2(SafeHandle fd, ReadOnlySpan<IoVec> iov, long offset, int flags)
    {
        fixed (IoVec* p = iov)
        {
            nint res = SysPwritev2(fd, p, iov.Length, offset, flags);
            return res >= 0 ? (int)res : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>One-buffer <see cref="Preadv2"/>; the span is pinned only for the call.</summary>
    internal static unsafe int Pread(SafeHandle fd, Span<byte> buffer, long offset, int flags = 0)
    {
        fixed (byte* p = buffer)
        {
            IoVec iov = new((nint)p, (nuint)buffer.Length);
            return Preadv2(fd, new ReadOnlySpan<IoVec>(in iov), offset, flags);
        }
    }

    /// <summary>One-buffer <see cref="Pwritev2"/>; the span is pinned only for the call.</summary>
    internal static unsafe int Pwrite(SafeHandle fd, ReadOnlySpan<byte> buffer, long offset, int flags = 0)
    {
        fixed (byte* p = buffer)
        {
            IoVec iov = new((nint)p, (nuint)buffer.Length);
            return Pwritev2(fd, new ReadOnlySpan<IoVec>(in iov), offset, flags);
        }
    }
}
