// Follows include/uapi/linux/stat.h (struct statx, STATX_*, S_IF*).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

/// <summary>
/// struct statx, 256 bytes. Only fields whose STATX_* bit is set in <see cref="Mask"/> on
/// return are valid; the kernel zeroes the rest, which is why the Direct I/O alignments read
/// 0 on kernels or file systems that do not report them.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal struct Statx
{
    [FieldOffset(0x00)] public uint Mask;
    [FieldOffset(0x04)] public uint BlkSize;
    [FieldOffset(0x08)] public ulong Attributes;
    [FieldOffset(0x10)] public uint Nlink;
    [FieldOffset(0x14)] public uint Uid;
    [FieldOffset(0x18)] public uint Gid;
    [FieldOffset(0x1C)] public ushort Mode;
    [FieldOffset(0x20)] public ulong Ino;
    [FieldOffset(0x28)] public ulong Size;
    [FieldOffset(0x30)] public ulong Blocks;
    [FieldOffset(0x38)] public ulong AttributesMask;
    [FieldOffset(0x40)] public StatxTimestamp Atime;
    [FieldOffset(0x50)] public StatxTimestamp Btime;
    [FieldOffset(0x60)] public StatxTimestamp Ctime;
    [FieldOffset(0x70)] public StatxTimestamp Mtime;
    [FieldOffset(0x80)] public uint RdevMajor;
    [FieldOffset(0x84)] public uint RdevMinor;
    [FieldOffset(0x88)] public uint DevMajor;
    [FieldOffset(0x8C)] public uint DevMinor;
    [FieldOffset(0x90)] public ulong MntId;
    [FieldOffset(0x98)] public uint DioMemAlign;        // STATX_DIOALIGN
    [FieldOffset(0x9C)] public uint DioOffsetAlign;     // STATX_DIOALIGN
    [FieldOffset(0xA0)] public ulong Subvol;
    [FieldOffset(0xA8)] public uint AtomicWriteUnitMin;
    [FieldOffset(0xAC)] public uint AtomicWriteUnitMax;
    [FieldOffset(0xB0)] public uint AtomicWriteSegmentsMax;
    [FieldOffset(0xB4)] public uint DioReadOffsetAlign; // STATX_DIO_READ_ALIGN (Linux 6.14)
}

/// <summary>struct statx_timestamp (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct StatxTimestamp
{
    public long TvSec;
    public uint TvNsec;
    public int Reserved;
}

/// <summary>
/// What PinIo needs from statx: the file's kind and size and its Direct I/O alignments.
/// An alignment of 0 means "not reported" (no STATX_DIOALIGN in the mask), which is not the
/// same as "no requirement": callers then fall back to the logical block size.
/// </summary>
internal readonly record struct StatxInfo(
    uint Mask,
    long Size,
    int Mode,
    int BlockSize,
    int DioMemAlign,
    int DioOffsetAlign,
    int DioReadOffsetAlign,
    uint RdevMajor,
    uint RdevMinor,
    uint DevMajor,
    uint DevMinor)
{
    /// <summary>What PinIo asks statx for.</summary>
    public const uint RequestMask = Interop.STATX_BASIC_STATS | Interop.STATX_DIOALIGN | Interop.STATX_DIO_READ_ALIGN;

    public bool IsRegularFile => (Mode & Interop.S_IFMT) == Interop.S_IFREG;

    public bool IsBlockDevice => (Mode & Interop.S_IFMT) == Interop.S_IFBLK;

    public bool HasDioAlign => (Mask & Interop.STATX_DIOALIGN) != 0;

    public static StatxInfo From(in Statx s)
    {
        bool dio = (s.Mask & Interop.STATX_DIOALIGN) != 0;
        bool dioRead = (s.Mask & Interop.STATX_DIO_READ_ALIGN) != 0;
        return new StatxInfo(
            s.Mask,
            (long)s.Size,
            s.Mode,
            (int)s.BlkSize,
            dio ? (int)s.DioMemAlign : 0,
            dio ? (int)s.DioOffsetAlign : 0,
            dioRead ? (int)s.DioReadOffsetAlign : 0,
            s.RdevMajor,
            s.RdevMinor,
            s.DevMajor,
            s.DevMinor);
    }

    /// <summary>Returns 0 or -errno.</summary>
    public static int TryGet(string path, out StatxInfo info)
    {
        int res = Interop.StatxPath(path, RequestMask, out Statx s);
        info = res == 0 ? From(in s) : default;
        return res;
    }

    /// <summary>Returns 0 or -errno.</summary>
    public static int TryGet(SafeHandle fd, out StatxInfo info)
    {
        int res = Interop.StatxFd(fd, RequestMask, out Statx s);
        info = res == 0 ? From(in s) : default;
        return res;
    }

    /// <summary>Throws <see cref="DirectIoException"/> (through <see cref="Errors"/>) on failure.</summary>
    public static StatxInfo Get(string path)
    {
        Errors.Check(TryGet(path, out StatxInfo info), "statx", path);
        return info;
    }

    /// <summary>Throws <see cref="DirectIoException"/>; <paramref name="path"/> only names the file in the message.</summary>
    public static StatxInfo Get(SafeHandle fd, string? path = null)
    {
        Errors.Check(TryGet(fd, out StatxInfo info), "statx", path);
        return info;
    }
}
