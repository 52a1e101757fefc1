// Follows include/linux/iomap.h (struct iomap, IOMAP_HOLE/MAPPED/UNWRITTEN, IOMAP_F_NEW, IOMAP_WRITE/NOWAIT).
namespace PinIo.Fs;

/// <summary>What a range of a file is on the device.</summary>
public enum IomapType
{
    /// <summary>No blocks: reads as zeroes, a write must allocate.</summary>
    Hole,

    /// <summary>Blocks holding the file's data.</summary>
    Mapped,

    /// <summary>Blocks allocated but never written (fallocate, or a write in flight): reads as zeroes.</summary>
    Unwritten,
}

/// <summary>Facts about a mapping beyond its type.</summary>
[Flags]
public enum IomapFlags
{
    /// <summary>An existing mapping: the blocks were there before this call.</summary>
    None = 0,

    /// <summary>The blocks were allocated by this very call: whatever the device held there is stale and must never be read back.</summary>
    New = 1,
}

/// <summary>Why a mapping is asked for.</summary>
[Flags]
public enum IomapIntent
{
    /// <summary>A read: holes stay holes.</summary>
    Read = 0,

    /// <summary>A write: holes are allocated (as unwritten blocks, converted when the data is on the device).</summary>
    Write = 1,

    /// <summary>IOCB_NOWAIT: fail with EAGAIN rather than allocate or wait.</summary>
    NoWait = 2,
}

/// <summary>
/// One extent of a file as the file system maps it: <paramref name="Length"/> bytes of the file
/// from <paramref name="Offset"/>, of <paramref name="Type"/>, at <paramref name="DeviceOffset"/>
/// bytes on the device (meaningless for a hole). Offsets and lengths are whole file-system blocks
/// except where a file's last block ends the map.
/// </summary>
public readonly record struct Iomap(long Offset, long Length, IomapType Type, long DeviceOffset, IomapFlags Flags)
{
    /// <summary>The first byte of the file past this extent.</summary>
    public long End => Offset + Length;

    /// <summary>The device byte that holds file byte <paramref name="fileOffset"/> (inside this extent).</summary>
    public long DeviceOffsetOf(long fileOffset) => DeviceOffset + (fileOffset - Offset);
}
