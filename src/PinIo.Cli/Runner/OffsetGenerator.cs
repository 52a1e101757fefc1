// Follows fio's io_u.c (get_next_offset, get_next_seq_offset, get_next_rand_offset) in meaning.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// Where the next I/O of a job goes, in bytes from the start of its region, always a multiple
/// of the grain (blockalign) with the whole I/O inside the region:
/// <list type="bullet">
/// <item>sequential: in order, skipping the rw=...:N bytes after each I/O; the pass ends when
/// the next I/O no longer fits, and the next pass starts again at 0;</item>
/// <item>random: a grain drawn uniformly — through a <see cref="RandomMap"/> unless
/// norandommap, so that each pass visits every grain once as fio's default does (the pass ends
/// when the map is full) — or from a <see cref="SkewedIndex"/> (zipf, pareto, normal, which
/// fio also runs without the map), or with random_generator=lfsr from an <see cref="Lfsr"/>, which
/// visits every grain once a pass without a map. An I/O that would run past the end is moved back to end at
/// it. With rw=rand...:N, N I/Os run in sequence before a new random offset.</item>
/// </list>
/// One cursor serves both directions of a mixed sequential job (fio keeps one per direction).
/// The seed derivation differs from fio's (see <see cref="Taus88"/>), so the same randseed gives
/// a different, equally reproducible, order.
/// </summary>
internal sealed class OffsetGenerator
{
    private readonly long _size;
    private readonly int _grain;
    private readonly long _grains;
    private readonly int _minLength;
    private readonly bool _random;
    private readonly RandomMap? _map;
    private readonly SkewedIndex? _skew;
    private readonly bool _lfsrOn;
    private Lfsr _lfsr;
    private readonly long _skip;
    private readonly long _run;
    private Taus88 _rng;
    private long _cursor;
    private long _runLeft;

    // With the random map, the next uniform draw is taken one I/O early and its map word
    // fetched meanwhile: a word of a map of 64 KiB and more is seldom in cache, and the claim
    // waited for it. The draws come in the same order; -1 until the first.
    private long _drawnAhead = -1;

    /// <summary>A generator over <paramref name="size"/> bytes in grains of <paramref name="grain"/>; I/Os are at least <paramref name="minLength"/> bytes.</summary>
    public OffsetGenerator(long size, int grain, int minLength, bool random, bool randomMap, Distribution distribution, long modifier, ulong seed, bool lfsr = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(grain);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, grain);
        _size = size;
        _grain = grain;
        _grains = size / grain;
        _minLength = Math.Max(minLength, grain);
        _random = random;
        _rng = new Taus88(seed);
        if (random)
        {
            if (distribution.Kind != DistributionKind.Random)
            {
                _skew = new SkewedIndex(distribution, _grains, Taus88.DeriveSeed(seed, 0, 1), grain);
            }
            else if (lfsr)
            {
                // random_generator=lfsr: every grain once a pass by construction, no map needed (as fio).
                _lfsr = new Lfsr((ulong)_grains, seed);
                _lfsrOn = true;
            }
            else if (randomMap)
            {
                _map = new RandomMap(_grains);
            }
            _run = Math.Max(1, modifier);
        }
        else
        {
            _skip = modifier;
        }
    }

    /// <summary>Uniform blocks of one unit each: <see cref="NextBlock"/> returns block numbers.</summary>
    public OffsetGenerator(long blocks, bool random, bool randomMap, ulong seed)
        : this(blocks, 1, 1, random, randomMap, Distribution.Uniform, 0, seed)
    {
    }

    public long Grains => _grains;

    /// <summary>Passes completed over the region (the sequential cursor wrapped, or the random map filled).</summary>
    public long Passes { get; private set; }

    /// <summary>Starts over at the region's start, the random map empty (zonemode=strided's next zone); not a pass.</summary>
    public void Restart()
    {
        _cursor = 0;
        _runLeft = 0;
        _map?.Reset();
    }

    /// <summary>The next sequential I/O continues at <paramref name="offset"/> (zonemode=zbd moved the last one to a write pointer or a zone holding data).</summary>
    public void ContinueAt(long offset)
    {
        if (_random)
        {
            return;
        }
        _cursor = offset;
        if (_cursor + _minLength > _size)
        {
            Passes++;
            _cursor = 0;
        }
    }

    /// <summary>The grain of the next one-grain I/O.</summary>
    public long NextBlock() => Next(_grain) / _grain;

    /// <summary>The offset of the next I/O of <paramref name="length"/> bytes (a multiple of the grain, at most the region).</summary>
    public long Next(int length) => Next(ref length, length);

    /// <summary>
    /// The offset of the next I/O of <paramref name="length"/> bytes (a multiple of the grain, at
    /// most the region), <paramref name="unit"/> being the smallest block its direction uses.
    /// Through the random map an I/O longer than that may come back shorter, in whole units: as
    /// fio's mark_random_map does, it covers only the free grains that follow its (free) first
    /// one, so that a pass with mixed block sizes (bssplit, bsrange) visits every grain once
    /// and moves the region's bytes exactly.
    /// </summary>
    public long Next(ref int length, int unit)
    {
        if (!_random)
        {
            return NextSequential(length);
        }
        long offset;
        // A one-grain I/O at the grain the map claimed is marked already: no second walk (and
        // no two divisions) for the common case of bs = blockalign.
        bool marked = false;
        if (_runLeft > 0 && _cursor + length <= _size)
        {
            _runLeft--;
            offset = _cursor;
        }
        else
        {
            long grain = _lfsrOn ? NextFromLfsr() : _skew?.Next() ?? NextUniform();
            if (_map is not null)
            {
                grain = _map.Claim(grain);
                marked = length <= _grain;
                if (length > unit)
                {
                    long wanted = (Math.Min(length, _size - (grain * _grain)) + _grain - 1) / _grain;
                    long free = (1 + _map.MarkFreeRun(grain + 1, wanted - 1)) * _grain;
                    length = (int)Math.Max(unit, Math.Min(length, free / unit * unit));
                }
            }
            offset = grain * _grain;
            if (offset + length > _size)
            {
                offset = (_size - length) / _grain * _grain;
                marked = false;
            }
            _runLeft = _run - 1;
        }
        _cursor = offset + length;
        if (_map is not null)
        {
            if (!marked)
            {
                _map.MarkRange(offset / _grain, (length + _grain - 1) / _grain);
            }
            if (_map.FreeBlocks == 0)
            {
                _map.Reset();
                Passes++;
            }
        }
        return offset;
    }

    /// <summary>A uniform grain; with the map, the one drawn at the last call (see <see cref="_drawnAhead"/>).</summary>
    private long NextUniform()
    {
        if (_map is null)
        {
            return (long)_rng.NextBelow((ulong)_grains);
        }
        long grain = _drawnAhead >= 0 ? _drawnAhead : (long)_rng.NextBelow((ulong)_grains);
        _drawnAhead = (long)_rng.NextBelow((ulong)_grains);
        _map.Touch(_drawnAhead);
        return grain;
    }

    private long NextFromLfsr()
    {
        long grain = (long)_lfsr.Next(out bool passEnded);
        if (passEnded)
        {
            Passes++;
        }
        return grain;
    }

    private long NextSequential(int length)
    {
        long offset = _cursor;
        if (offset + length > _size)
        {
            // A larger block than the smallest does not fit the end: the pass is over.
            Passes++;
            offset = 0;
        }
        _cursor = offset + length + _skip;
        if (_cursor < 0)
        {
            // Seeking back (rw=read:-8k) past the start wraps to the end, as fio's
            // get_next_seq_offset does: the next I/O lies |skip| before the region's end. Not
            // the end of a pass (the first I/O, at 0, wraps at once): the job's bytes end it.
            _cursor = Math.Max(0, _size + _skip);
            return offset;
        }
        if (_cursor + _minLength > _size)
        {
            Passes++;
            _cursor = 0;
        }
        return offset;
    }
}
