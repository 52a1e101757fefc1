// Follows fio's verify.c (the verify_io_u_* / fill_* pairs per checksum) and Linux's lib/crc16.c, lib/crc7.c in meaning.
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using PinIo.Cli.Options;

namespace PinIo.Cli.Verify;

/// <summary>
/// The payload digests of fio's verify= kinds, from System.IO.Hashing and
/// System.Security.Cryptography; only crc16 and crc7, which no library here has, are tables of
/// their own. A digest fills at most <see cref="Bytes"/> bytes of the header: sha512,
/// sha3-384 and sha3-512 keep their first 32 (still far past what a random corruption could
/// match). verify=meta has no digest: the header's digest field holds the write's time.
/// </summary>
internal static class VerifyDigest
{
    public const int Bytes = 32;

    private static readonly ushort[] s_crc16 = Crc16Table();
    private static readonly byte[] s_crc7 = Crc7Table();

    /// <summary>Whether this machine can compute <paramref name="kind"/> (SHA-3 needs OpenSSL 1.1.1 or later).</summary>
    public static bool IsSupported(VerifyKind kind) => kind switch
    {
        VerifyKind.Sha3_224 => false,
        VerifyKind.Sha3_256 => SHA3_256.IsSupported,
        VerifyKind.Sha3_384 => SHA3_384.IsSupported,
        VerifyKind.Sha3_512 => SHA3_512.IsSupported,
        _ => true,
    };

    /// <summary>Writes the digest of <paramref name="payload"/> into the first bytes of <paramref name="digest"/> (<see cref="Bytes"/> long, cleared by the caller).</summary>
    public static void Compute(VerifyKind kind, ReadOnlySpan<byte> payload, Span<byte> digest)
    {
        switch (kind)
        {
            case VerifyKind.Crc32C:
                BinaryPrimitives.WriteUInt32LittleEndian(digest, PinIo.Crc32C.Compute(payload));
                break;
            case VerifyKind.XxHash:
                BinaryPrimitives.WriteUInt64LittleEndian(digest, XxHash64.HashToUInt64(payload));
                break;
            case VerifyKind.Crc64:
                BinaryPrimitives.WriteUInt64LittleEndian(digest, Crc64.HashToUInt64(payload));
                break;
            case VerifyKind.Crc32:
                BinaryPrimitives.WriteUInt32LittleEndian(digest, Crc32.HashToUInt32(payload));
                break;
            case VerifyKind.Crc16:
                BinaryPrimitives.WriteUInt16LittleEndian(digest, Crc16(payload));
                break;
            case VerifyKind.Crc7:
                digest[0] = Crc7(payload);
                break;
#pragma warning disable CA5350, CA5351 // fio's verify=md5/sha1 detect corruption; they are no security boundary.
            case VerifyKind.Md5:
                MD5.HashData(payload, digest);
                break;
            case VerifyKind.Sha1:
                SHA1.HashData(payload, digest);
                break;
#pragma warning restore CA5350, CA5351
            case VerifyKind.Sha256:
                SHA256.HashData(payload, digest);
                break;
            case VerifyKind.Sha512:
                Truncated(SHA512.HashData(payload), digest);
                break;
            case VerifyKind.Sha3_256:
                SHA3_256.HashData(payload, digest);
                break;
            case VerifyKind.Sha3_384:
                Truncated(SHA3_384.HashData(payload), digest);
                break;
            case VerifyKind.Sha3_512:
                Truncated(SHA3_512.HashData(payload), digest);
                break;
            default:
                throw new ArgumentException($"verify={kind.FioName()} has no digest in a header", nameof(kind));
        }
    }

    /// <summary>A digest as people read it: CRCs and xxhash as numbers, the hashes as byte strings.</summary>
    public static string Format(VerifyKind kind, ReadOnlySpan<byte> digest) => kind switch
    {
        VerifyKind.Crc32C or VerifyKind.Crc32 => Hex(BinaryPrimitives.ReadUInt32LittleEndian(digest)),
        VerifyKind.XxHash or VerifyKind.Crc64 => Hex(BinaryPrimitives.ReadUInt64LittleEndian(digest)),
        VerifyKind.Crc16 => Hex(BinaryPrimitives.ReadUInt16LittleEndian(digest)),
        VerifyKind.Crc7 => Hex(digest[0]),
        VerifyKind.Md5 => "0x" + Convert.ToHexStringLower(digest[..16]),
        VerifyKind.Sha1 => "0x" + Convert.ToHexStringLower(digest[..20]),
        VerifyKind.Sha3_224 => "0x" + Convert.ToHexStringLower(digest[..28]),
        _ => "0x" + Convert.ToHexStringLower(digest[..Bytes]),
    };

    /// <summary>CRC-16 with the reflected polynomial 0xA001 (x^16 + x^15 + x^2 + 1), initial 0, as Linux's crc16().</summary>
    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (byte b in data)
        {
            crc = (ushort)((crc >> 8) ^ s_crc16[(crc ^ b) & 0xFF]);
        }
        return crc;
    }

    /// <summary>CRC-7 with the polynomial x^7 + x^3 + 1, initial 0, most significant bit first; the 7 bits in the top of the byte, as Linux's crc7_be().</summary>
    public static byte Crc7(ReadOnlySpan<byte> data)
    {
        byte crc = 0;
        foreach (byte b in data)
        {
            crc = s_crc7[crc ^ b];
        }
        return crc;
    }

    private static void Truncated(ReadOnlySpan<byte> hash, Span<byte> digest) => hash[..Bytes].CopyTo(digest);

    private static ushort[] Crc16Table()
    {
        var table = new ushort[256];
        for (int i = 0; i < 256; i++)
        {
            int crc = i;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1;
            }
            table[i] = (ushort)crc;
        }
        return table;
    }

    private static byte[] Crc7Table()
    {
        // The polynomial 0x09 shifted into the top seven bits of a byte: 0x12.
        var table = new byte[256];
        for (int i = 0; i < 256; i++)
        {
            int crc = i;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x80) != 0 ? (crc << 1) ^ 0x12 : crc << 1;
            }
            table[i] = (byte)crc;
        }
        return table;
    }

    private static string Hex(ulong value) => FormattableString.Invariant($"0x{value:x}");
}
