// Follows no kernel file: the pattern pinio peak --verify checks (each 8-byte word names its own offset).
using System.Buffers.Binary;

namespace PinIo.Devices;

/// <summary>
/// The bytes <see cref="PeakLoop"/> expects with <see cref="PeakOptions.Verify"/>: the 8-byte
/// word at byte offset <c>o</c> of the target holds <c>o ^ Tag</c>, little-endian. A block read
/// from the wrong offset, a stale buffer or a torn read all show as a wrong word.
/// </summary>
internal static class PeakPattern
{
    public const int WordBytes = sizeof(ulong);

    // "peakpeak": no offset's word is zero, so a block of zeroes never passes.
    private const ulong Tag = 0x6B61_6570_6B61_6570;

    public static ulong WordAt(long offset) => (ulong)offset ^ Tag;

    /// <summary>Fills <paramref name="block"/> with the pattern of the target's bytes from <paramref name="offset"/> (a multiple of 8).</summary>
    public static void Fill(Span<byte> block, long offset)
    {
        for (int i = 0; i + WordBytes <= block.Length; i += WordBytes)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(block[i..], WordAt(offset + i));
        }
    }

    /// <summary>The index of the first word of <paramref name="block"/> that is not the pattern at <paramref name="offset"/>, or -1.</summary>
    public static int FirstMismatch(ReadOnlySpan<byte> block, long offset)
    {
        for (int i = 0; i + WordBytes <= block.Length; i += WordBytes)
        {
            if (BinaryPrimitives.ReadUInt64LittleEndian(block[i..]) != WordAt(offset + i))
            {
                return i;
            }
        }
        return -1;
    }
}
