// Follows fio's verify.c (struct verify_header, verify_io_u) in purpose; pinio's own layout.
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Verify;

/// <summary>
/// The header pinio writes at the start of every verified block, the stamps in each further
/// sector, and the check of a block read back. Little-endian layout:
/// <code>
///  0 u32 magic "pinv"       4 u16 version (2)       6 u16 checksum kind (VerifyKind)
///  8 u32 block length      12 u32 header size (80)
/// 16 u64 offset of the block on the target
/// 24 u64 seed of the job   32 u64 sequence number of the write
/// 40 32 bytes: digest of bytes 80..length (VerifyDigest: crc7 1 ... sha256 32, longer ones cut to 32; zero-padded; meta: the write's time)
/// 72 u32 crc32c of bytes 0..72 (a torn or overwritten header)   76 u32 zero
/// 80 payload
/// </code>
/// The payload is a pattern derived from (seed, offset, sequence), or verify_pattern repeated;
/// each further 512-byte sector begins with a 24-byte stamp (u64 offset, u64 sequence, u32
/// crc32c of those 16 bytes, u32 zero), so that a block made of two writes is recognised as
/// torn, sector by sector. What each check catches: header crc — a corrupted header;
/// offset — a block written to or read from the wrong place; seed — another job's or run's
/// data; stamps of another sequence — a torn write; the header's sequence — a stale block
/// (an older write of the whole block); the digest — corrupted data, down to the first bad byte.
/// </summary>
internal static class VerifyHeader
{
    public const int Size = 80;
    public const uint Magic = 0x766E6970; // "pinv"
    public const ushort Version = 2;

    /// <summary>Sectors carry stamps at this granularity: the smallest unit a device writes whole.</summary>
    public const int SectorSize = 512;

    public const int StampSize = 24;

    private const int DigestOffset = 40;
    private const int DigestBytes = 32;
    private const int HeaderCrcOffset = 72;

    /// <summary>Fills <paramref name="block"/> with the header and payload of write <paramref name="sequence"/> at <paramref name="offset"/>.</summary>
    public static void Write(Span<byte> block, long offset, ulong seed, long sequence, VerifyKind kind = VerifyKind.Crc32C, ReadOnlySpan<byte> pattern = default, long metaTimeNs = -1)
    {
        if (block.Length < Size + 8 || block.Length % 8 != 0)
        {
            throw new ArgumentException($"a verified block needs at least {Size + 8} bytes in a multiple of 8, not {block.Length}", nameof(block));
        }
        FillPayload(block, offset, seed, sequence, pattern);
        BinaryPrimitives.WriteUInt32LittleEndian(block, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(block[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(block[6..], (ushort)kind);
        BinaryPrimitives.WriteUInt32LittleEndian(block[8..], (uint)block.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(block[12..], Size);
        BinaryPrimitives.WriteInt64LittleEndian(block[16..], offset);
        BinaryPrimitives.WriteUInt64LittleEndian(block[24..], seed);
        BinaryPrimitives.WriteInt64LittleEndian(block[32..], sequence);
        Span<byte> digest = block.Slice(DigestOffset, DigestBytes);
        digest.Clear();
        ComputeDigest(kind, block[Size..], digest, metaTimeNs);
        BinaryPrimitives.WriteUInt32LittleEndian(block[HeaderCrcOffset..], SmallCrc32C(block[..HeaderCrcOffset]));
        BinaryPrimitives.WriteUInt32LittleEndian(block[76..], 0);
    }

    /// <summary>
    /// Checks a block read from <paramref name="offset"/> that should hold write
    /// <paramref name="expectedSequence"/> of the job seeded <paramref name="seed"/>. Returns null
    /// when it does, else what is wrong, with the expected and actual values. With a null seed
    /// and sequence (a read-only job reading what an earlier run wrote: it cannot know which
    /// write of the block came last, as fio's read-only verify cannot) the block is checked
    /// against its own header: magic, header crc, offset, length, checksum kind, sector stamps
    /// and the digest, and the payload is rebuilt from the header's seed and sequence.
    /// </summary>
    public static VerifyFailure? Check(ReadOnlySpan<byte> block, long offset, ulong? seed, long? expectedSequence, VerifyKind kind = VerifyKind.Crc32C, ReadOnlySpan<byte> pattern = default)
    {
        int length = block.Length;
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(block);
        uint headerCrc = BinaryPrimitives.ReadUInt32LittleEndian(block[HeaderCrcOffset..]);
        uint computedHeaderCrc = SmallCrc32C(block[..HeaderCrcOffset]);
        if (magic != Magic || headerCrc != computedHeaderCrc)
        {
            if (seed is ulong knownSeed && expectedSequence is long known && TornAtHeader(block, offset, knownSeed, known, kind, pattern) is { } torn)
            {
                return torn;
            }
            return magic != Magic
                ? new VerifyFailure(offset, length, "bad magic", Hex(Magic), Hex(magic), "no pinio header: never written with verify, or overwritten")
                : new VerifyFailure(offset, length, "header crc32c mismatch", Hex(headerCrc), Hex(computedHeaderCrc), "a corrupted header");
        }
        long writtenOffset = BinaryPrimitives.ReadInt64LittleEndian(block[16..]);
        if (writtenOffset != offset)
        {
            return new VerifyFailure(offset, length, "wrong block", $"offset {offset}", $"offset {writtenOffset}", "the block holds data written for another offset");
        }
        uint writtenLength = BinaryPrimitives.ReadUInt32LittleEndian(block[8..]);
        if (writtenLength != (uint)length)
        {
            return new VerifyFailure(offset, length, "length mismatch", Num(length), Num(writtenLength), "the write there had another block size");
        }
        ulong writtenSeed = BinaryPrimitives.ReadUInt64LittleEndian(block[24..]);
        if (seed is ulong expectedSeed && writtenSeed != expectedSeed)
        {
            return new VerifyFailure(offset, length, "seed mismatch", Hex(expectedSeed), Hex(writtenSeed), "written by another job or run");
        }
        var writtenKind = (VerifyKind)BinaryPrimitives.ReadUInt16LittleEndian(block[6..]);
        if (writtenKind != kind)
        {
            return new VerifyFailure(offset, length, "checksum kind mismatch", kind.FioName(), writtenKind.FioName(), "written with another verify=");
        }
        long writtenSequence = BinaryPrimitives.ReadInt64LittleEndian(block[32..]);
        if (TornInPayload(block, offset, writtenSequence, expectedSequence ?? writtenSequence) is { } tornPayload)
        {
            return tornPayload;
        }
        if (expectedSequence is not null && writtenSequence != expectedSequence)
        {
            string what = writtenSequence < expectedSequence ? "an older write of this block: a lost or reordered write" : "a newer write than the one expected";
            return new VerifyFailure(offset, length, "stale block", $"sequence {expectedSequence}", $"sequence {writtenSequence}", what);
        }
        if (kind == VerifyKind.Meta)
        {
            // meta: the block's identity is what is checked (above); its payload is not hashed.
            return null;
        }
        Span<byte> computed = stackalloc byte[DigestBytes];
        computed.Clear();
        ComputeDigest(kind, block[Size..], computed, -1);
        ReadOnlySpan<byte> stored = block.Slice(DigestOffset, DigestBytes);
        if (!stored.SequenceEqual(computed))
        {
            return new VerifyFailure(offset, length, $"{kind.FioName()} mismatch", VerifyDigest.Format(kind, stored), VerifyDigest.Format(kind, computed),
                FirstBadByte(block, offset, seed ?? writtenSeed, expectedSequence ?? writtenSequence, pattern))
            {
                Source = kind.FioName(),
            };
        }
        return null;
    }

    /// <summary>verify=pattern: fills the whole block with the pattern, repeated from its first byte.</summary>
    public static void WritePattern(Span<byte> block, ReadOnlySpan<byte> pattern) => Repeat(block, pattern);

    /// <summary>verify=pattern: the first byte that differs from the pattern, or null.</summary>
    public static VerifyFailure? CheckPattern(ReadOnlySpan<byte> block, long offset, ReadOnlySpan<byte> pattern)
    {
        // The block holds the pattern repeated when it starts with the pattern and every byte
        // past it equals the byte a pattern's length before: two comparisons; a mismatch is
        // then found and named piece by piece.
        int head = Math.Min(pattern.Length, block.Length);
        if (block[..head].SequenceEqual(pattern[..head]) && block[head..].SequenceEqual(block[..(block.Length - head)]))
        {
            return null;
        }
        for (int start = 0; start < block.Length; start += pattern.Length)
        {
            ReadOnlySpan<byte> expected = pattern[..Math.Min(pattern.Length, block.Length - start)];
            ReadOnlySpan<byte> actual = block.Slice(start, expected.Length);
            int same = actual.CommonPrefixLength(expected);
            if (same < expected.Length)
            {
                int at = start + same;
                return new VerifyFailure(offset, block.Length, "pattern mismatch", $"0x{expected[same]:x2}", $"0x{actual[same]:x2}",
                    string.Create(CultureInfo.InvariantCulture, $"first bad byte at block offset {at}"))
                {
                    Source = "pattern",
                };
            }
        }
        return null;
    }

    public static uint Crc32C(ReadOnlySpan<byte> data) => PinIo.Crc32C.Compute(data);

    /// <summary>The crc32c of a stamp's 16 bytes (seven stamps per 4 KiB block, on each write and each checked read).</summary>
    public static uint StampCrc(ReadOnlySpan<byte> stamp) => SmallCrc32C(stamp[..16]);

    /// <summary>
    /// The crc32c of a few bytes (a header, a stamp) by the CPU's crc32 instructions, eight
    /// bytes a step, where it has them — the same CRC-32C as <see cref="Crc32C"/> (all-ones
    /// start, final inversion) without its setup, which dominates at this size — else by it.
    /// </summary>
    public static uint SmallCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = uint.MaxValue;
        int i = 0;
        if (System.Runtime.Intrinsics.X86.Sse42.X64.IsSupported)
        {
            for (; i + sizeof(ulong) <= data.Length; i += sizeof(ulong))
            {
                crc = (uint)System.Runtime.Intrinsics.X86.Sse42.X64.Crc32(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
            }
            for (; i < data.Length; i++)
            {
                crc = System.Runtime.Intrinsics.X86.Sse42.Crc32(crc, data[i]);
            }
            return ~crc;
        }
        if (System.Runtime.Intrinsics.Arm.Crc32.Arm64.IsSupported)
        {
            for (; i + sizeof(ulong) <= data.Length; i += sizeof(ulong))
            {
                crc = System.Runtime.Intrinsics.Arm.Crc32.Arm64.ComputeCrc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
            }
            for (; i < data.Length; i++)
            {
                crc = System.Runtime.Intrinsics.Arm.Crc32.ComputeCrc32C(crc, data[i]);
            }
            return ~crc;
        }
        return Crc32C(data);
    }

    /// <summary>verify=meta's time of a write, in ns since the epoch: read once per write, as fio's header takes its I/O's start.</summary>
    public static long MetaTime() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;

    /// <summary>The payload and stamps of write <paramref name="sequence"/>; bytes 0..80 are left to the header.</summary>
    private static void FillPayload(Span<byte> block, long offset, ulong seed, long sequence, ReadOnlySpan<byte> pattern)
    {
        Span<byte> payload = block[Size..];
        if (pattern.IsEmpty)
        {
            ulong state = seed ^ ((ulong)offset * 0x9E3779B97F4A7C15UL) ^ ((ulong)sequence << 1);
            PayloadWords.Fill(MemoryMarshal.Cast<byte, ulong>(payload), state);
        }
        else
        {
            Repeat(payload, pattern);
        }
        for (int sector = SectorSize; sector + StampSize <= block.Length; sector += SectorSize)
        {
            WriteStamp(block.Slice(sector, StampSize), offset, sequence);
        }
    }

    private static void WriteStamp(Span<byte> stamp, long offset, long sequence)
    {
        BinaryPrimitives.WriteInt64LittleEndian(stamp, offset);
        BinaryPrimitives.WriteInt64LittleEndian(stamp[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(stamp[16..], StampCrc(stamp));
        BinaryPrimitives.WriteUInt32LittleEndian(stamp[20..], 0);
    }

    /// <summary>A sector's stamp, when it is one (its crc holds): the offset and sequence of the write that wrote the sector.</summary>
    private static bool TryReadStamp(ReadOnlySpan<byte> stamp, out long offset, out long sequence)
    {
        offset = BinaryPrimitives.ReadInt64LittleEndian(stamp);
        sequence = BinaryPrimitives.ReadInt64LittleEndian(stamp[8..]);
        return BinaryPrimitives.ReadUInt32LittleEndian(stamp[16..]) == StampCrc(stamp);
    }

    /// <summary>
    /// A header sector that is not this write's while later sectors are: the write was torn (its
    /// first sector did not land). A header sector that differs from this write's in a few
    /// bytes only is a corrupted header instead, and is left to the caller.
    /// </summary>
    private static VerifyFailure? TornAtHeader(ReadOnlySpan<byte> block, long offset, ulong seed, long expectedSequence, VerifyKind kind, ReadOnlySpan<byte> pattern)
    {
        const int FewBytes = 16;
        if (block.Length < SectorSize * 2)
        {
            return null;
        }
        byte[] expected = new byte[block.Length];
        Write(expected, offset, seed, expectedSequence, kind, pattern);
        int differing = 0;
        for (int i = 0; i < SectorSize; i++)
        {
            if (block[i] != expected[i])
            {
                differing++;
            }
        }
        if (differing <= FewBytes)
        {
            return null;
        }
        for (int sector = SectorSize; sector + StampSize <= block.Length; sector += SectorSize)
        {
            if (TryReadStamp(block.Slice(sector, StampSize), out long stampOffset, out long stampSequence)
                && stampOffset == offset && stampSequence == expectedSequence)
            {
                return new VerifyFailure(offset, block.Length, "torn block", $"sequence {expectedSequence} in every sector",
                    DescribeSectors(block, offset, headerSequence: null), "the header sector does not hold this write's header: part of the write did not land");
            }
        }
        return null;
    }

    /// <summary>Sectors whose stamps name another write than the header does: a block made of two writes.</summary>
    private static VerifyFailure? TornInPayload(ReadOnlySpan<byte> block, long offset, long headerSequence, long expectedSequence)
    {
        for (int sector = SectorSize; sector + StampSize <= block.Length; sector += SectorSize)
        {
            if (TryReadStamp(block.Slice(sector, StampSize), out long stampOffset, out long stampSequence)
                && (stampOffset != offset || stampSequence != headerSequence))
            {
                return new VerifyFailure(offset, block.Length, "torn block", $"sequence {expectedSequence} in every sector",
                    DescribeSectors(block, offset, headerSequence), "the block holds parts of different writes: a write landed only in part");
            }
        }
        return null;
    }

    /// <summary>Which write each run of sectors holds: "sequence 9 in bytes 0..2047, sequence 3 in bytes 2048..4095".</summary>
    private static string DescribeSectors(ReadOnlySpan<byte> block, long offset, long? headerSequence)
    {
        var runs = new List<string>();
        string? current = headerSequence is long h ? Invariant($"sequence {h}") : "no valid header";
        int runStart = 0;
        for (int sector = SectorSize; sector < block.Length; sector += SectorSize)
        {
            string what = sector + StampSize > block.Length ? current!
                : !TryReadStamp(block.Slice(sector, StampSize), out long stampOffset, out long stampSequence) ? "no stamp"
                : stampOffset != offset ? Invariant($"offset {stampOffset} sequence {stampSequence}")
                : Invariant($"sequence {stampSequence}");
            if (what != current)
            {
                runs.Add(Invariant($"{current} in bytes {runStart}..{sector - 1}"));
                (current, runStart) = (what, sector);
            }
        }
        runs.Add(Invariant($"{current} in bytes {runStart}..{block.Length - 1}"));
        return runs.Count <= 6 ? string.Join(", ", runs) : string.Join(", ", runs.Take(6)) + Invariant($", and {runs.Count - 6} more runs");
    }

    /// <summary>The payload's digest, or for verify=meta, which hashes no payload, the write's time (ns since the epoch), in the header's digest field.</summary>
    private static void ComputeDigest(VerifyKind kind, ReadOnlySpan<byte> payload, Span<byte> digest, long metaTimeNs)
    {
        if (kind == VerifyKind.Meta)
        {
            BinaryPrimitives.WriteInt64LittleEndian(digest, metaTimeNs >= 0 ? metaTimeNs : MetaTime());
            return;
        }
        VerifyDigest.Compute(kind, payload, digest);
    }

    private static string? FirstBadByte(ReadOnlySpan<byte> block, long offset, ulong seed, long sequence, ReadOnlySpan<byte> pattern)
    {
        byte[] expected = new byte[block.Length];
        FillPayload(expected, offset, seed, sequence, pattern);
        int at = block[Size..].CommonPrefixLength(expected.AsSpan(Size));
        if (at == block.Length - Size)
        {
            return "the payload is as written: the stored digest is wrong";
        }
        at += Size;
        return Invariant($"first bad byte at block offset {at}: expected 0x{expected[at]:x2}, actual 0x{block[at]:x2}");
    }

    /// <summary>
    /// The pattern repeated from the destination's first byte: copied once, then the filled part
    /// doubled (a whole number of patterns each time) — a handful of copies per block rather than
    /// one per pattern (a 4-byte pattern over a 64 KiB write was 16K copies).
    /// </summary>
    private static void Repeat(Span<byte> destination, ReadOnlySpan<byte> pattern)
    {
        int filled = Math.Min(pattern.Length, destination.Length);
        pattern[..filled].CopyTo(destination);
        while (filled < destination.Length)
        {
            int n = Math.Min(filled, destination.Length - filled);
            destination[..n].CopyTo(destination[filled..]);
            filled += n;
        }
    }

    private static string Hex(ulong value) => Invariant($"0x{value:x}");

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
