// Follows BlueFS's log (bluefs_transaction_t: seq, uuid, op list, crc; _replay stops at the first bad one).
using System.Buffers.Binary;

namespace PinIo.Fs;

/// <summary>
/// A transaction on the log: a 40-byte header (magic, payload length, sequence, volume id,
/// epoch, record count, CRC32C of header and payload) and its records, padded to the device's
/// logical block. The epoch is the superblock's LogEpoch (the generation that made the area active), so a
/// record left in an area by an earlier use of it never replays.
/// </summary>
internal static class JournalTransaction
{
    public const int HeaderBytes = 40;
    private const uint Magic = 0x544C5650; // "PVLT"
    private const int CrcOffset = 36;

    public static int PaddedBytes(int payloadBytes, int logicalBlock) =>
        (HeaderBytes + payloadBytes + logicalBlock - 1) / logicalBlock * logicalBlock;

    public static byte[] Encode(List<byte> payload, int records, long sequence, Superblock sb, long epoch, int logicalBlock)
    {
        byte[] bytes = new byte[PaddedBytes(payload.Count, logicalBlock)];
        Span<byte> h = bytes;
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], payload.Count);
        BinaryPrimitives.WriteInt64LittleEndian(h[8..], sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(h[16..], sb.VolumeId);
        BinaryPrimitives.WriteInt64LittleEndian(h[24..], epoch);
        BinaryPrimitives.WriteInt32LittleEndian(h[32..], records);
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(payload).CopyTo(h[HeaderBytes..]);
        BinaryPrimitives.WriteUInt32LittleEndian(h[CrcOffset..], Checksum(h[..(HeaderBytes + payload.Count)]));
        return bytes;
    }

    /// <summary>
    /// Replays the log in <paramref name="area"/> into <paramref name="metadata"/> from its
    /// start, expecting <see cref="Superblock.LogStartSequence"/> first. Stops at the first
    /// transaction that fails its checksum, sequence, epoch or volume id (a torn or never
    /// written tail): the result says where and why. A transaction whose checksum holds but
    /// whose records cannot apply is corrupt metadata: DirectIoException EIO.
    /// </summary>
    public static ReplayResult Replay(ReadOnlySpan<byte> area, Superblock sb, VolumeMetadata metadata, int logicalBlock)
    {
        long sequence = sb.LogStartSequence;
        int at = 0;
        while (true)
        {
            string? stop = Parse(area[at..], sb, sequence, logicalBlock, out ReadOnlySpan<byte> payload, out int records, out int padded);
            if (stop is not null)
            {
                return new ReplayResult(at, sequence, stop);
            }
            ApplyAll(payload, records, metadata, sequence);
            at += padded;
            sequence++;
        }
    }

    private static string? Parse(ReadOnlySpan<byte> s, Superblock sb, long sequence, int logicalBlock, out ReadOnlySpan<byte> payload, out int records, out int padded)
    {
        payload = default;
        records = 0;
        padded = 0;
        if (s.Length < HeaderBytes)
        {
            return "end of the log area";
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(s) != Magic)
        {
            return "no transaction magic";
        }
        if (BinaryPrimitives.ReadUInt64LittleEndian(s[16..]) != sb.VolumeId || BinaryPrimitives.ReadInt64LittleEndian(s[24..]) != sb.LogEpoch)
        {
            return "a transaction of an earlier volume or log epoch";
        }
        long seq = BinaryPrimitives.ReadInt64LittleEndian(s[8..]);
        if (seq != sequence)
        {
            return $"sequence {seq} where {sequence} was expected";
        }
        int length = BinaryPrimitives.ReadInt32LittleEndian(s[4..]);
        if (length < 0 || length > s.Length - HeaderBytes)
        {
            return $"payload length {length} past the log area";
        }
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(s[CrcOffset..]);
        if (crc != Checksum(s[..(HeaderBytes + length)]))
        {
            return $"checksum mismatch in transaction {sequence}";
        }
        payload = s.Slice(HeaderBytes, length);
        records = BinaryPrimitives.ReadInt32LittleEndian(s[32..]);
        padded = PaddedBytes(length, logicalBlock);
        return null;
    }

    private static void ApplyAll(ReadOnlySpan<byte> payload, int records, VolumeMetadata metadata, long sequence)
    {
        if (ApplyRecords(payload, records, metadata) is { } problem)
        {
            throw Corrupt(sequence, problem);
        }
    }

    /// <summary>
    /// Decodes <paramref name="records"/> records from <paramref name="payload"/> and replays each
    /// onto <paramref name="metadata"/>: a transaction's at Mount, the pending ones in Check.
    /// Returns the first problem (a record that does not decode or apply, bytes left over), or null.
    /// </summary>
    public static string? ApplyRecords(ReadOnlySpan<byte> payload, int records, VolumeMetadata metadata)
    {
        int offset = 0;
        for (int i = 0; i < records; i++)
        {
            if (!JournalRecord.TryDecode(payload, ref offset, out JournalRecord record))
            {
                return $"record {i} of {records} does not decode";
            }
            if (metadata.Apply(record, replaying: true) is { } problem)
            {
                return problem;
            }
        }
        return offset == payload.Length ? null : $"{payload.Length - offset} bytes after its last record";
    }

    private static DirectIoException Corrupt(long sequence, string problem) =>
        new(Errno.EIO, $"the volume's metadata is corrupt: journal transaction {sequence} passes its checksum but {problem}; the volume cannot be mounted");

    /// <summary>CRC32C of the header with its CRC field taken as zero, and the payload.</summary>
    private static uint Checksum(ReadOnlySpan<byte> transaction)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        transaction[..HeaderBytes].CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[CrcOffset..], 0);
        System.IO.Hashing.Crc32 crc = Crc32C.Create();
        crc.Append(header);
        crc.Append(transaction[HeaderBytes..]);
        return crc.GetCurrentHashAsUInt32();
    }
}

/// <summary>Where replay stopped: the byte of the area and the sequence the next transaction takes, and why.</summary>
internal readonly record struct ReplayResult(int EndOffset, long NextSequence, string StopReason);
