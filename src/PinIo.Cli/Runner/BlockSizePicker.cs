// Follows fio's io_u.c (get_next_buflen) in meaning, not in code.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// The size of each I/O of one direction: fixed (bs=), drawn uniformly in multiples of the
/// smallest size (bsrange=, as fio aligns a power-of-two minimum), or by share of I/Os
/// (bssplit=, a draw in 1..100 against the cumulative percentages, as fio). Its own generator,
/// so that the sizes are reproducible with the seed and independent of the offsets. No
/// allocation per draw.
/// </summary>
internal sealed class BlockSizePicker
{
    private readonly int _min;
    private readonly int _steps;
    private readonly int[] _splitSizes;
    private readonly int[] _splitCumulative;
    private Taus88 _rng;

    public BlockSizePicker(BlockSizeSpec spec, ulong seed)
    {
        _min = spec.Min;
        _steps = spec.Max / spec.Min;
        _rng = new Taus88(seed);
        BsSplitEntry[] split = spec.Split ?? [];
        _splitSizes = new int[split.Length];
        _splitCumulative = new int[split.Length];
        int sum = 0;
        for (int i = 0; i < split.Length; i++)
        {
            sum += split[i].Percent;
            _splitSizes[i] = split[i].Size;
            _splitCumulative[i] = sum;
        }
    }

    public int Next()
    {
        if (_splitSizes.Length > 0)
        {
            int draw = (int)_rng.NextBelow(100) + 1;
            for (int i = 0; i < _splitCumulative.Length; i++)
            {
                if (draw <= _splitCumulative[i])
                {
                    return _splitSizes[i];
                }
            }
            return _splitSizes[^1];
        }
        if (_steps <= 1)
        {
            return _min;
        }
        return _min * (1 + (int)_rng.NextBelow((ulong)_steps));
    }
}
