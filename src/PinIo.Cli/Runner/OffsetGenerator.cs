namespace PinIo.Cli.Runner;

/// <summary>
/// The next block of a job's region: in order for sequential jobs (wrapping at the end, one
/// cursor for both directions of a mixed job), uniformly at random for random ones, through a
/// <see cref="RandomMap"/> unless <c>norandommap</c>, so that each pass visits every block once
/// as fio's default does; a full map starts the next pass. Differences from fio: the seed
/// derivation (see <see cref="Taus88"/>) and the flat map, so the same randseed gives a
/// different (equally reproducible) order than fio's.
/// </summary>
internal sealed class OffsetGenerator
{
    private readonly long _blocks;
    private readonly bool _random;
    private readonly RandomMap? _map;
    private Taus88 _rng;
    private long _cursor;

    public OffsetGenerator(long blocks, bool random, bool randomMap, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocks);
        _blocks = blocks;
        _random = random;
        _map = random && randomMap ? new RandomMap(blocks) : null;
        _rng = new Taus88(seed);
    }

    public long Blocks => _blocks;

    /// <summary>Passes completed over the region (whole wraps of the cursor or the map).</summary>
    public long Passes { get; private set; }

    public long NextBlock()
    {
        if (!_random)
        {
            long block = _cursor;
            if (++_cursor == _blocks)
            {
                _cursor = 0;
                Passes++;
            }
            return block;
        }
        long pick = (long)_rng.NextBelow((ulong)_blocks);
        if (_map is null)
        {
            return pick;
        }
        if (_map.FreeBlocks == 0)
        {
            _map.Reset();
            Passes++;
        }
        return _map.Claim(pick);
    }
}
