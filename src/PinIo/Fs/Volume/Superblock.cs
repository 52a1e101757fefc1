// Follows fs/xfs/libxfs/xfs_sb.c (superblock encode/verify) and BlueFS's super (two copies, the newer valid one wins).
using System.Buffers.Binary;

namespace PinIo.Fs;

/// <summary>
/// Where everything is. Bytes 0 and 4096 hold a copy each (the first two blocks are reserved for them); generation g lives in copy g % 2, so
/// writing g + 1 never overwrites the copy in use, and Mount takes the newer copy whose
/// checksum holds. Then come two log areas of <see cref="LogAreaBlocks"/> blocks (the active
/// one holds the journal, the other receives the next compaction), then the data blocks.
/// </summary>
internal sealed record Superblock
{
    public const ulong MagicValue = 0x4C4F5649_4F4E4950; // "PINIOVOL" little-endian
    public const int Version = 1;
    public const int EncodedBytes = 76;
    private const int CrcOffset = 72;

    public required int BlockSize { get; init; }

    public required long TotalBlocks { get; init; }

    public required long LogAreaBlocks { get; init; }

    public required long Generation { get; init; }

    public required int ActiveArea { get; init; }

    /// <summary>The sequence number of the first transaction in the active area.</summary>
    public required long LogStartSequence { get; init; }

    /// <summary>
    /// The epoch every transaction of the active area carries: the generation that made the
    /// area active (both copies written by Format share epoch 1).
    /// </summary>
    public required long LogEpoch { get; init; }

    /// <summary>Chosen at Format: a log record of another volume formatted earlier on the device never replays here.</summary>
    public required ulong VolumeId { get; init; }

    public long DataStartBlock => 2 + 2 * LogAreaBlocks;

    public long DataBlocks => TotalBlocks - DataStartBlock;

    public long LogAreaStart(int area) => 2 + area * LogAreaBlocks;

    public static int CopyOf(long generation) => (int)(generation & 1);

    /// <summary>Where a copy lives: bytes 0 and 4096, whatever the block size (Mount finds them before it knows it).</summary>
    public static long CopyOffset(int copy) => (long)copy * VolumeGeometry.MinBlockSize;

    public void Encode(Span<byte> destination)
    {
        destination[..EncodedBytes].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(destination, MagicValue);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], BlockSize);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], TotalBlocks);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], LogAreaBlocks);
        BinaryPrimitives.WriteInt64LittleEndian(destination[32..], Generation);
        BinaryPrimitives.WriteInt32LittleEndian(destination[40..], ActiveArea);
        BinaryPrimitives.WriteInt64LittleEndian(destination[48..], LogStartSequence);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[56..], VolumeId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[64..], LogEpoch);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[CrcOffset..], Crc32C.Compute(destination[..CrcOffset]));
    }

    /// <summary>The superblock in <paramref name="source"/>, or null with the reason it is not one.</summary>
    public static Superblock? Decode(ReadOnlySpan<byte> source, out string? problem)
    {
        problem = null;
        if (BinaryPrimitives.ReadUInt64LittleEndian(source) != MagicValue)
        {
            problem = "no volume magic";
            return null;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(source[CrcOffset..]) != Crc32C.Compute(source[..CrcOffset]))
        {
            problem = "checksum mismatch";
            return null;
        }
        if (BinaryPrimitives.ReadInt32LittleEndian(source[8..]) != Version)
        {
            problem = $"version {BinaryPrimitives.ReadInt32LittleEndian(source[8..])}, this PinIo reads {Version}";
            return null;
        }
        var sb = new Superblock
        {
            BlockSize = BinaryPrimitives.ReadInt32LittleEndian(source[12..]),
            TotalBlocks = BinaryPrimitives.ReadInt64LittleEndian(source[16..]),
            LogAreaBlocks = BinaryPrimitives.ReadInt64LittleEndian(source[24..]),
            Generation = BinaryPrimitives.ReadInt64LittleEndian(source[32..]),
            ActiveArea = BinaryPrimitives.ReadInt32LittleEndian(source[40..]),
            LogStartSequence = BinaryPrimitives.ReadInt64LittleEndian(source[48..]),
            VolumeId = BinaryPrimitives.ReadUInt64LittleEndian(source[56..]),
            LogEpoch = BinaryPrimitives.ReadInt64LittleEndian(source[64..]),
        };
        if (sb.ActiveArea is not (0 or 1) || sb.LogAreaBlocks <= 0 || sb.DataBlocks <= 0 || !VolumeGeometry.IsValidBlockSize(sb.BlockSize))
        {
            problem = "fields out of range";
            return null;
        }
        return sb;
    }
}
