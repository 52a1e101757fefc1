// Follows fio's scramble_buffers (small_content_scramble in io_u.c) in purpose, not in method.
using System.Runtime.InteropServices;
using PinIo.Cli.Jobs;

namespace PinIo.Cli.Runner;

/// <summary>
/// Makes a reused write buffer's data new for each write at the cost of one word per 512-byte
/// sector. A slot's buffer is filled with random data once; without this a job writes its
/// iodepth buffers over and over, and a deduplicating device (VDO, an SSD controller, a file
/// system's dedupe) stores one copy of each and measures nothing real.
/// </summary>
internal static class WriteScramble
{
    private const int WordsPerSector = 512 / sizeof(ulong);

    /// <summary>
    /// Changes one word of every whole sector of <paramref name="data"/>, which goes to
    /// <paramref name="offset"/> as the job's write number <paramref name="write"/>.
    /// </summary>
    public static void Stamp(Span<byte> data, long offset, long write)
    {
        Span<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        // The word becomes a mix of (offset, write, sector): random data stays random, where a
        // plain stamp (fio writes the offset and the time) piles up over a buffer's reuses into
        // a pattern a compressing device finds. Stored, not XORed in: a read-modify-write
        // waited for each sector's cache line (87% of this loop's samples at 128 KiB), a store
        // does not. The word moves from write to write. Per sector a Weyl step and one
        // multiply-xorshift round (half of SplitMix64's finalizer, a bijection of a distinct
        // state, so no two words of a write are equal) at half the instructions of a whole
        // SplitMix64: a 128 KiB write stamps 256 sectors.
        ulong seed = ((ulong)offset * 0xD6E8FEB86659FD93UL) ^ (ulong)write;
        ulong state = Taus88.SplitMix64(ref seed);
        int at = (int)((ulong)write % WordsPerSector);
        for (int sector = 0; sector + WordsPerSector <= words.Length; sector += WordsPerSector)
        {
            state += 0x9E3779B97F4A7C15UL;
            ulong z = (state ^ (state >> 32)) * 0xD6E8FEB86659FD93UL;
            words[sector + at] = z ^ (z >> 32);
        }
    }
}
