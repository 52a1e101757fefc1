// Follows include/uapi/linux/io_uring.h (struct io_uring_getevents_arg) and include/uapi/linux/time_types.h.
using System.Runtime.InteropServices;

namespace PinIo.Linux;

/// <summary>
/// io_uring_enter's argument with IORING_ENTER_EXT_ARG (24 bytes): a signal mask and a
/// wait timeout in one call, where IORING_FEAT_EXT_ARG says the kernel takes it.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringGeteventsArg
{
    public ulong SigMask;    // a sigset_t*, 0 for none
    public uint SigMaskSize;
    public uint MinWaitUsec; // 0: no minimum batch wait
    public ulong Ts;         // a KernelTimespec*, 0 to wait without a timeout
}

/// <summary>struct __kernel_timespec: 64-bit seconds on every architecture.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KernelTimespec
{
    public long TvSec;
    public long TvNsec;
}
