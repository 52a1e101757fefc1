// Follows fio's lib/rand.c (__fill_random_buf) in purpose: a verify block's random payload, filled per write.
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using PinIo.Cli.Jobs;

namespace PinIo.Cli.Verify;

/// <summary>
/// A verify block's payload: the words of <see cref="Taus88.SplitMix64"/> from a state. Its
/// i-th word mixes state + (i + 1)·γ alone, so the words do not depend on one another and are
/// made a vector at a time (fio fills its verify buffers per write too); the words are the
/// same as one SplitMix64 step after another, which blocks written earlier are checked against.
/// </summary>
internal static class PayloadWords
{
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;
    private const ulong Mix1 = 0xBF58476D1CE4E5B9UL;
    private const ulong Mix2 = 0x94D049BB133111EBUL;

    public static void Fill(Span<ulong> words, ulong state)
    {
        int i = 0;
        ref ulong first = ref MemoryMarshal.GetReference(words);
        if (Vector512.IsHardwareAccelerated && words.Length >= Vector512<ulong>.Count)
        {
            Vector512<ulong> step = Vector512.Create(Gamma * (ulong)Vector512<ulong>.Count);
            Vector512<ulong> states = Vector512.Create(state) + ((Vector512<ulong>.Indices + Vector512<ulong>.One) * Gamma);
            for (; i <= words.Length - Vector512<ulong>.Count; i += Vector512<ulong>.Count)
            {
                Vector512<ulong> z = states;
                z = (z ^ Vector512.ShiftRightLogical(z, 30)) * Mix1;
                z = (z ^ Vector512.ShiftRightLogical(z, 27)) * Mix2;
                (z ^ Vector512.ShiftRightLogical(z, 31)).StoreUnsafe(ref first, (nuint)i);
                states += step;
            }
        }
        else if (Vector256.IsHardwareAccelerated && words.Length >= Vector256<ulong>.Count)
        {
            Vector256<ulong> step = Vector256.Create(Gamma * (ulong)Vector256<ulong>.Count);
            Vector256<ulong> states = Vector256.Create(state) + ((Vector256<ulong>.Indices + Vector256<ulong>.One) * Gamma);
            for (; i <= words.Length - Vector256<ulong>.Count; i += Vector256<ulong>.Count)
            {
                Vector256<ulong> z = states;
                z = (z ^ Vector256.ShiftRightLogical(z, 30)) * Mix1;
                z = (z ^ Vector256.ShiftRightLogical(z, 27)) * Mix2;
                (z ^ Vector256.ShiftRightLogical(z, 31)).StoreUnsafe(ref first, (nuint)i);
                states += step;
            }
        }
        ulong rest = state + ((ulong)i * Gamma);
        for (; i < words.Length; i++)
        {
            words[i] = Taus88.SplitMix64(ref rest);
        }
    }
}
