// Follows fio's scramble_buffers (small_content_scramble in io_u.c) in purpose, not in method.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private const ulong Mix = 0xD6E8FEB86659FD93UL;

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
        ulong state = WriteState(offset, write);
        int at = WordIndex(write);
        int sectors = words.Length / WordsPerSector;
        int sector = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Four sectors' words at a time, the same words as one sector after another: the
            // mixing is a vector's work, only the four stores (512 bytes apart) stay scalar.
            Vector256<ulong> states = Vector256.Create(state) + ((Vector256<ulong>.Indices + Vector256<ulong>.One) * Gamma);
            Vector256<ulong> step = Vector256.Create(Gamma * (ulong)Vector256<ulong>.Count);
            for (; sector + Vector256<ulong>.Count <= sectors; sector += Vector256<ulong>.Count)
            {
                Vector256<ulong> z = (states ^ Vector256.ShiftRightLogical(states, 32)) * Mix;
                z ^= Vector256.ShiftRightLogical(z, 32);
                Span<ulong> four = words.Slice(sector * WordsPerSector, 4 * WordsPerSector);
                four[at] = z.GetElement(0);
                four[at + WordsPerSector] = z.GetElement(1);
                four[at + (2 * WordsPerSector)] = z.GetElement(2);
                four[at + (3 * WordsPerSector)] = z.GetElement(3);
                states += step;
            }
        }
        // One sector at a time (without Vector256 — a CPU without AVX2, or a Native AOT build for
        // x86-64-v2 — and the last sectors): the Weyl state carried from sector to sector.
        ulong weyl = state + ((ulong)sector * Gamma);
        for (int word = (sector * WordsPerSector) + at; sector < sectors; sector++, word += WordsPerSector)
        {
            weyl += Gamma;
            words[word] = Mixed(weyl);
        }
    }

    /// <summary>The state a write's sector words come from: one SplitMix64 step of (offset, write).</summary>
    internal static ulong WriteState(long offset, long write)
    {
        ulong seed = ((ulong)offset * Mix) ^ (ulong)write;
        return Taus88.SplitMix64(ref seed);
    }

    /// <summary>Which word of each sector a write changes: it moves from write to write.</summary>
    internal static int WordIndex(long write) => (int)((ulong)write % WordsPerSector);

    /// <summary>
    /// The word <see cref="Stamp"/> stores in sector <paramref name="sector"/> of a write whose
    /// state is <paramref name="state"/>: a Weyl step per sector and one multiply-xorshift round.
    /// </summary>
    internal static ulong SectorWord(ulong state, int sector) => Mixed(state + ((ulong)(sector + 1) * Gamma));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mixed(ulong weyl)
    {
        ulong z = (weyl ^ (weyl >> 32)) * Mix;
        return z ^ (z >> 32);
    }
}
