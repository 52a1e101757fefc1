// Follows include/uapi/linux/io_uring.h (struct io_uring_params, io_sqring_offsets, io_cqring_offsets).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

/// <summary>
/// Passed to io_uring_setup and filled back by it (120 bytes): the caller sets
/// <see cref="Flags"/> (and <see cref="CqEntries"/> with IORING_SETUP_CQSIZE); the kernel
/// returns the entry counts, <see cref="Features"/> and where each ring field lives in the
/// mapping.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringParams
{
    public uint SqEntries;
    public uint CqEntries;
    public uint Flags;         // IORING_SETUP_*
    public uint SqThreadCpu;
    public uint SqThreadIdle;
    public uint Features;      // IORING_FEAT_*
    public uint WqFd;
    public uint Resv0;
    public uint Resv1;
    public uint Resv2;
    public IoSqringOffsets SqOff;
    public IoCqringOffsets CqOff;
}

/// <summary>Byte offsets of the submission ring's fields from the start of its mapping (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoSqringOffsets
{
    public uint Head;
    public uint Tail;
    public uint RingMask;
    public uint RingEntries;
    public uint Flags;
    public uint Dropped;
    public uint Array;
    public uint Resv1;
    public ulong UserAddr; // IORING_SETUP_NO_MMAP only
}

/// <summary>Byte offsets of the completion ring's fields from the start of its mapping (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoCqringOffsets
{
    public uint Head;
    public uint Tail;
    public uint RingMask;
    public uint RingEntries;
    public uint Overflow;
    public uint Cqes;
    public uint Flags;
    public uint Resv1;
    public ulong UserAddr; // IORING_SETUP_NO_MMAP only
}
