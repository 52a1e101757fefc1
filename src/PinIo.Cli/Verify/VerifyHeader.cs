// Follows fio's verify.c (struct verify_header) in purpose; pinio's own layout.
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using PinIo.Cli.Runner;

namespace PinIo.Cli.Verify;

/// <summary>
/// The header pinio writes at the start of every block when <c>verify=crc32c</c>, and the
/// check of a block read back. The payload after the header is a pattern derived from (seed,
/// offset, sequence), so a mismatch can name the first bad byte. Little-endian layout:
/// <code>
///  0 u32 magic "pinv"        4 u16 version   6 u16 header size (48)
///  8 u32 block length       12 u32 crc32c of the payload (bytes 48..length)
/// 16 u64 offset of the block on the target
/// 24 u64 seed of the job    32 u64 sequence number of the write
/// 40 u32 crc32c of bytes 0..40 (a torn or overwritten header)   44 u32 zero
/// </code>
/// What each check catches: header crc — a torn write or garbage; offset — a block written
/// to or read from the wrong place; seed — another job's or run's data; sequence — a stale
/// block (an older write of this block); payload crc — corrupted data.
/// </summary>
internal static class VerifyHeader
{
    public const int Size = 48;
    public const uint Magic = 0x766E6970; // "pinv"
    public const ushort Version = 1;

    /// <summary>Fills <paramref name="block"/> with the header and payload of write <paramref name="sequence"/> at <paramref name="offset"/>.</summary>
    public static void Write(Span<byte> block, long offset, ulong seed, long sequence)
    {
        if (block.Length < Size + 8 || block.Length % 8 != 0)
        {
            throw new ArgumentException($"a verified block needs at least {Size + 8} bytes in a multiple of 8, not {block.Length}", nameof(block));
        }
        Span<byte> payload = block[Size..];
        FillPayload(payload, offset, seed, sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(block, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(block[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(block[6..], Size);
        BinaryPrimitives.WriteUInt32LittleEndian(block[8..], (uint)block.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(block[12..], Crc32C(payload));
        BinaryPrimitives.WriteInt64LittleEndian(block[16..], offset);
        BinaryPrimitives.WriteUInt64LittleEndian(block[24..], seed);
        BinaryPrimitives.WriteInt64LittleEndian(block[32..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(block[40..], Crc32C(block[..40]));
        BinaryPrimitives.WriteUInt32LittleEndian(block[44..], 0);
    }

    /// <summary>
    /// Checks a block read from <paramref name="offset"/> that should hold write
    /// <paramref name="expectedSequence"/> of the job seeded <paramref name="seed"/>. Returns null
    /// when it does, else the first check that failed.
    /// </summary>
    public static VerifyFailure? Check(ReadOnlySpan<byte> block, long offset, ulong seed, long expectedSequence)
    {
        int length = block.Length;
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(block);
        if (magic != Magic)
        {
            return new VerifyFailure(offset, length, "bad magic", Hex(Magic), Hex(magic), "no pinio header: never written with verify, or overwritten");
        }
        uint headerCrc = BinaryPrimitives.ReadUInt32LittleEndian(block[40..]);
        uint computedHeaderCrc = Crc32C(block[..40]);
        if (headerCrc != computedHeaderCrc)
        {
            return new VerifyFailure(offset, length, "header crc32c mismatch", Hex(headerCrc), Hex(computedHeaderCrc), "a torn or corrupted header");
        }
        long writtenOffset = BinaryPrimitives.ReadInt64LittleEndian(block[16..]);
        if (writtenOffset != offset)
        {
            return new VerifyFailure(offset, length, "wrong block", $"offset {offset}", $"offset {writtenOffset}", "the block holds data written for another offset");
        }
        uint writtenLength = BinaryPrimitives.ReadUInt32LittleEndian(block[8..]);
        if (writtenLength != (uint)length)
        {
            return new VerifyFailure(offset, length, "length mismatch", Num(length), Num(writtenLength));
        }
        ulong writtenSeed = BinaryPrimitives.ReadUInt64LittleEndian(block[24..]);
        if (writtenSeed != seed)
        {
            return new VerifyFailure(offset, length, "seed mismatch", Hex(seed), Hex(writtenSeed), "written by another job or run");
        }
        long writtenSequence = BinaryPrimitives.ReadInt64LittleEndian(block[32..]);
        if (writtenSequence != expectedSequence)
        {
            string what = writtenSequence < expectedSequence ? "an older write of this block: a lost or reordered write" : "a newer write than the one expected";
            return new VerifyFailure(offset, length, "stale block", $"sequence {expectedSequence}", $"sequence {writtenSequence}", what);
        }
        ReadOnlySpan<byte> payload = block[Size..];
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(block[12..]);
        uint actualCrc = Crc32C(payload);
        if (storedCrc != actualCrc)
        {
            return new VerifyFailure(offset, length, "crc32c mismatch", Hex(storedCrc), Hex(actualCrc), FirstBadByte(payload, offset, seed, expectedSequence));
        }
        return null;
    }

    public static uint Crc32C(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);

    private static void FillPayload(Span<byte> payload, long offset, ulong seed, long sequence)
    {
        ulong state = seed ^ ((ulong)offset * 0x9E3779B97F4A7C15UL) ^ ((ulong)sequence << 1);
        Span<ulong> words = MemoryMarshal.Cast<byte, ulong>(payload);
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = Taus88.SplitMix64(ref state);
        }
    }

    private static string? FirstBadByte(ReadOnlySpan<byte> payload, long offset, ulong seed, long sequence)
    {
        byte[] expected = new byte[payload.Length];
        FillPayload(expected, offset, seed, sequence);
        int at = payload.CommonPrefixLength(expected);
        if (at == payload.Length)
        {
            return "the payload is as written: the stored checksum is wrong";
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"first bad byte at block offset {Size + at}: expected 0x{expected[at]:x2}, actual 0x{payload[at]:x2}");
    }

    private static string Hex(ulong value) => string.Create(CultureInfo.InvariantCulture, $"0x{value:x}");

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);
}
