// Follows include/uapi/linux/aio_abi.h (struct iocb, struct io_event).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

/// <summary>
/// One AIO request as io_submit(2) reads it: 64 bytes, laid out for a little-endian machine
/// (aio_key before aio_rw_flags). The kernel copies it during io_submit and reads the user
/// copy again only for io_cancel, so a slot's iocb may be rewritten once its request is
/// submitted; the memory it points to lives until the request's event.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal struct AioIocb
{
    [FieldOffset(0)] public ulong Data;       // returned untouched in the io_event
    [FieldOffset(8)] public uint Key;         // written by the kernel
    [FieldOffset(12)] public int RwFlags;     // RWF_*
    [FieldOffset(16)] public ushort Opcode;   // IOCB_CMD_*
    [FieldOffset(18)] public short RequestPriority;
    [FieldOffset(20)] public uint Fd;
    [FieldOffset(24)] public ulong Buffer;    // an address, an iovec array, or IOCB_CMD_POLL's event mask
    [FieldOffset(32)] public ulong Bytes;     // a length, or an iovec count
    [FieldOffset(40)] public long Offset;
    [FieldOffset(48)] public ulong Reserved2;
    [FieldOffset(56)] public uint Flags;      // IOCB_FLAG_*
    [FieldOffset(60)] public uint ResultFd;   // the eventfd of IOCB_FLAG_RESFD
}

/// <summary>
/// A completed request, 32 bytes: <see cref="Data"/> is the iocb's, <see cref="Result"/> the
/// bytes moved or -errno (a poll's: the events that fired).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AioEvent
{
    public ulong Data;
    public ulong Iocb;
    public long Result;
    public long Result2;
}
