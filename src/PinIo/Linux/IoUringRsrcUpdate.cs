// Follows include/uapi/linux/io_uring.h (struct io_uring_rsrc_update).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

/// <summary>
/// One entry of IORING_REGISTER_RING_FDS / IORING_UNREGISTER_RING_FDS (16 bytes):
/// <see cref="Offset"/> is the slot in the calling task's registered-ring table (uint.MaxValue
/// asks the kernel to pick one and write it back), <see cref="Data"/> the ring descriptor.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringRsrcUpdate
{
    public uint Offset;
    public uint Resv;
    public ulong Data;
}
