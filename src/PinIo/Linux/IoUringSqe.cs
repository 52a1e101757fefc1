// Follows include/uapi/linux/io_uring.h (struct io_uring_sqe).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

/// <summary>
/// A submission queue entry, 64 bytes. The kernel reads the slot when the tail that
/// publishes it is submitted; every Prep* helper of <see cref="IoUringRing"/> rewrites the
/// whole entry, so nothing of a previous request survives in a reused slot. Unions of the C
/// struct are overlapping fields here; only those PinIo uses are named.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct IoUringSqe
{
    [FieldOffset(0)] public byte Opcode;
    [FieldOffset(1)] public byte Flags;       // IOSQE_*
    [FieldOffset(2)] public ushort IoPrio;
    [FieldOffset(4)] public int Fd;           // a registered-file index with IOSQE_FIXED_FILE

    [FieldOffset(8)] public ulong Off;        // union: addr2
    [FieldOffset(16)] public ulong Addr;      // union: splice_off_in
    [FieldOffset(24)] public uint Len;

    [FieldOffset(28)] public uint RwFlags;    // union: the per-opcode flags word
    [FieldOffset(28)] public uint FsyncFlags;

    [FieldOffset(32)] public ulong UserData;  // returned untouched in the CQE

    [FieldOffset(40)] public ushort BufIndex; // union: buf_group
    [FieldOffset(42)] public ushort Personality;
    [FieldOffset(44)] public int SpliceFdIn;  // union: file_index, optlen
    [FieldOffset(48)] public ulong Addr3;
    [FieldOffset(56)] public ulong Pad2;
}
