// Follows lib/crc32.c (crc32c, the Castagnoli polynomial the kernel's file systems checksum metadata with).
using System.IO.Hashing;

namespace PinIo;

/// <summary>
/// CRC-32C (Castagnoli): the checksum of the Volume's metadata and of pinio's verify headers.
/// System.IO.Hashing's <see cref="Crc32"/> defaults to CRC-32 (IEEE); this is the one place
/// that names the Castagnoli parameters.
/// </summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);

    /// <summary>An incremental CRC-32C, for data in pieces.</summary>
    public static Crc32 Create() => new(Crc32ParameterSet.Crc32C);
}
