// Follows include/uapi/linux/aio_abi.h and io_setup(2), io_submit(2), io_getevents(2), io_destroy(2).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    // enum IOCB_CMD_*
    internal const ushort IOCB_CMD_PREAD = 0;
    internal const ushort IOCB_CMD_PWRITE = 1;
    internal const ushort IOCB_CMD_FSYNC = 2;
    internal const ushort IOCB_CMD_FDSYNC = 3;
    internal const ushort IOCB_CMD_POLL = 5;
    internal const ushort IOCB_CMD_NOOP = 6;
    internal const ushort IOCB_CMD_PREADV = 7;
    internal const ushort IOCB_CMD_PWRITEV = 8;

    // iocb->aio_flags
    internal const uint IOCB_FLAG_RESFD = 1 << 0;

    /// <summary>aio_reqprio holds an I/O priority the kernel applies (Linux 5.0); without it aio_reqprio is ignored.</summary>
    internal const uint IOCB_FLAG_IOPRIO = 1 << 1;

    // poll(2) events, the mask of IOCB_CMD_POLL.
    internal const ulong POLLIN = 0x1;

    /// Wraps io_setup(2).
    // syscall(2), as the io_uring calls: glibc has no wrappers for native AIO (libaio.so has,
    // and PinIo does not depend on it).
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long SysIoSetup(long number, uint maxEvents, ulong* context);

    /// Wraps io_destroy(2).
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long SysIoDestroy(long number, ulong context);

    /// Wraps io_submit(2).
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long SysIoSubmit(long number, ulong context, long count, AioIocb** iocbs);

    /// Wraps io_getevents(2).
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long SysIoGetevents(long number, ulong context, long minEvents, long maxEvents, AioEvent* events, KernelTimespec* timeout);

    /// <summary>
    /// The AIO calls predate the unified syscall table: x86_64 numbers them 206–210, the
    /// generic table (arm64) 0–4. Elsewhere they are reported as not implemented.
    /// </summary>
    private static readonly (long Setup, long Destroy, long Submit, long Getevents) AioSyscalls =
        RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (206, 207, 209, 208),
            Architecture.Arm64 => (0, 1, 2, 4),
            _ => (-1, -1, -1, -1),
        };

    /// <summary>Returns 0 and the new context, or -errno.</summary>
    internal static unsafe int IoSetup(uint maxEvents, out ulong context)
    {
        ulong ctx = 0; // io_setup refuses a context that is not zero on entry
        context = 0;
        if (AioSyscalls.Setup < 0)
        {
            return -(int)Errno.ENOSYS;
        }
        long res = SysIoSetup(AioSyscalls.Setup, maxEvents, &ctx);
        if (res < 0)
        {
            return -Marshal.GetLastPInvokeError();
        }
        context = ctx;
        return 0;
    }

    /// <summary>Cancels what can be canceled, waits for the rest, frees the context. Returns 0 or -errno.</summary>
    internal static int IoDestroy(ulong context)
    {
        long res = SysIoDestroy(AioSyscalls.Destroy, context);
        return res >= 0 ? 0 : -Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// Returns how many iocbs, from the first, were queued (fewer than <paramref name="count"/>
    /// when one could not be), or -errno when the first could not be: that iocb is the one at fault.
    /// </summary>
    internal static unsafe int IoSubmit(ulong context, int count, AioIocb** iocbs)
    {
        long res = SysIoSubmit(AioSyscalls.Submit, context, count, iocbs);
        return res >= 0 ? (int)res : -Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// Waits for at least <paramref name="minEvents"/> completions (0: none) and returns up to
    /// <paramref name="events"/>.Length of them, or -errno (EINTR when a signal came first).
    /// </summary>
    internal static unsafe int IoGetevents(ulong context, int minEvents, Span<AioEvent> events)
    {
        KernelTimespec now = default; // with no minimum, return at once
        fixed (AioEvent* p = events)
        {
            long res = SysIoGetevents(AioSyscalls.Getevents, context, minEvents, events.Length, p, minEvents == 0 ? &now : null);
            return res >= 0 ? (int)res : -Marshal.GetLastPInvokeError();
        }
    }
}
