// Follows fio's lib/lfsr.c in purpose (random_generator=lfsr), not in code.
namespace PinIo.Cli.Jobs;

/// <summary>
/// A maximal-period Galois linear feedback shift register over the numbers [0, count): each
/// number comes exactly once every <c>count</c> calls, in a scrambled order, with no map of
/// what was visited — fio's random_generator=lfsr. The register has the fewest bits n with
/// 2^n - 1 >= count; its states run through every value in [1, 2^n - 1] once a period, and
/// state s stands for number s - 1, states past the count being stepped over (fewer than
/// half of them, so two steps a number on average at worst). The feedback masks are primitive
/// polynomials over GF(2) of the fewest terms (a trinomial where one exists, else a
/// pentanomial), found and checked for this file: x^(2^n - 1) = 1 and x^((2^n - 1)/q) != 1 for
/// every prime q dividing 2^n - 1 (the tests step the small ones through whole periods).
/// The seed picks the starting state, so clones and seeds take different orders.
/// </summary>
internal struct Lfsr
{
    // Index n - 2: the polynomial without its x^0 term, shifted right one (x^n at bit n - 1).
    private static readonly ulong[] s_masks =
    [
        0x3, 0x5, 0x9, 0x12, 0x21, 0x41,
        0xC3, 0x108, 0x204, 0x402, 0x883, 0x1013,
        0x2803, 0x4001, 0x8805, 0x10004, 0x20040, 0x40013,
        0x80004, 0x100002, 0x200001, 0x400010, 0x800043, 0x1000004,
        0x2000023, 0x4000013, 0x8000004, 0x10000002, 0x20400003, 0x40000004,
        0x80200003, 0x100001000, 0x204000003, 0x400000002, 0x800000400, 0x1000000103,
        0x2000001005, 0x4000000008, 0x8400000003, 0x10000000004, 0x20010000003, 0x40000000803,
        0x82000000005, 0x10000000000D, 0x200000000105, 0x400000000010, 0x800008000005, 0x1000000000100,
        0x2000000008003, 0x4000008000003, 0x8000000000004, 0x10000000000023, 0x20000000010003, 0x40000000800000,
        0x80020000000003, 0x100000000000040, 0x200000000040000, 0x400000000800003, 0x800000000000001, 0x1000000000000013,
        0x2000000008000005, 0x4000000000000001, 0x8000000000000403,
    ];

    private readonly ulong _mask;
    private readonly ulong _count;
    private ulong _state;
    private ulong _givenThisPass;

    public Lfsr(ulong count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfZero(count);
        // A count of L bits is at most 2^L - 1, the register's period.
        int bits = Math.Max(2, 64 - System.Numerics.BitOperations.LeadingZeroCount(count));
        _mask = s_masks[bits - 2];
        _count = count;
        ulong period = bits == 64 ? ulong.MaxValue : (1UL << bits) - 1;
        _state = 1 + (seed % period);
    }

    /// <summary>Bits of the register (for the tests).</summary>
    public readonly int Bits => 64 - System.Numerics.BitOperations.LeadingZeroCount(_mask);

    /// <summary>The next number below the count; <paramref name="passEnded"/> when it is the last of the pass (every number given once since the last).</summary>
    public ulong Next(out bool passEnded)
    {
        ulong value;
        do
        {
            value = _state - 1;
            _state = (_state >> 1) ^ ((0UL - (_state & 1)) & _mask);
        }
        while (value >= _count);
        passEnded = ++_givenThisPass == _count;
        if (passEnded)
        {
            _givenThisPass = 0;
        }
        return value;
    }
}
