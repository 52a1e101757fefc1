// Follows include/uapi/linux/io_uring.h (struct io_uring_cqe).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

/// <summary>
/// A completion queue entry, 16 bytes (rings set up without IORING_SETUP_CQE32).
/// <see cref="Res"/> is the request's result: bytes moved, or -errno.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringCqe
{
    public ulong UserData;
    public int Res;
    public uint Flags; // IORING_CQE_F_*
}
