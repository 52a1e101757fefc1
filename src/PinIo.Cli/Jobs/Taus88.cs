namespace PinIo.Cli.Jobs;

/// <summary>
/// L'Ecuyer's three-component combined Tausworthe generator (taus88, Math. Comp. 65, 1996):
/// the family fio uses by default (random_generator=tausworthe). Small state, no
/// allocation, and the same sequence for the same seed on every machine and .NET version
/// (System.Random promises that for no seed), which verification of an earlier run needs.
/// The seed is spread over the three components with SplitMix64, which is pinio's own
/// choice: fio derives its seeds differently, so the sequences differ from fio's.
/// </summary>
internal struct Taus88
{
    private uint _s1;
    private uint _s2;
    private uint _s3;

    public Taus88(ulong seed)
    {
        ulong state = seed;
        // Each component needs a seed above 1, 7 and 15 respectively to leave the all-zero cycle.
        _s1 = (uint)SplitMix64(ref state) | 2;
        _s2 = (uint)SplitMix64(ref state) | 8;
        _s3 = (uint)SplitMix64(ref state) | 16;
        for (int i = 0; i < 6; i++)
        {
            Next();
        }
    }

    public uint Next()
    {
        uint b = ((_s1 << 13) ^ _s1) >> 19;
        _s1 = ((_s1 & 0xFFFFFFFEu) << 12) ^ b;
        b = ((_s2 << 2) ^ _s2) >> 25;
        _s2 = ((_s2 & 0xFFFFFFF8u) << 4) ^ b;
        b = ((_s3 << 3) ^ _s3) >> 11;
        _s3 = ((_s3 & 0xFFFFFFF0u) << 17) ^ b;
        return _s1 ^ _s2 ^ _s3;
    }

    /// <summary>A value in [0, <paramref name="bound"/>), by scaling as fio does (not by modulo).</summary>
    public ulong NextBelow(ulong bound)
    {
        if (bound <= uint.MaxValue)
        {
            return (Next() * bound) >> 32;
        }
        ulong wide = ((ulong)Next() << 32) | Next();
        return Math.BigMul(wide, bound, out _);
    }

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): one step; also the mixer for derived seeds.</summary>
    /// <remarks>Inlined: a write's scramble takes one per sector, and a loop of calls keeps the CPU from overlapping the buffer's cache misses.</remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A seed for stream <paramref name="stream"/> of job <paramref name="jobNumber"/>, so clones and streams differ.</summary>
    public static ulong DeriveSeed(ulong randseed, int jobNumber, int stream)
    {
        ulong state = randseed ^ ((ulong)(uint)jobNumber << 32) ^ (uint)stream;
        return SplitMix64(ref state);
    }
}
