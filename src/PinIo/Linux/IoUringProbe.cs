// Follows include/uapi/linux/io_uring.h (struct io_uring_probe, io_uring_probe_op).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

/// <summary>
/// Header of the IORING_REGISTER_PROBE result (16 bytes); <see cref="OpsLen"/> entries of
/// <see cref="IoUringProbeOp"/> follow it. The kernel refuses a probe buffer that is not zeroed.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringProbe
{
    public byte LastOp;
    public byte OpsLen;
    public ushort Resv;
    public uint Resv2a;
    public uint Resv2b;
    public uint Resv2c;
}

/// <summary>One opcode of a probe result (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IoUringProbeOp
{
    public byte Op;
    public byte Resv;
    public ushort Flags; // IO_URING_OP_SUPPORTED
    public uint Resv2;
}
