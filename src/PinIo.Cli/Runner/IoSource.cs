// Follows fio's io_u.c (fill_io_u, get_rw_ddir, get_next_buflen) in meaning.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Runner;

/// <summary>
/// Where a job's next I/O comes from: its direction (rwmixread), its size (bs, bsrange,
/// bssplit) and its offset (<see cref="OffsetGenerator"/>), until the job's budget of bytes or
/// passes is spent; and the layout's pieces, in order over the region. Each stream has a seed
/// of its own, derived from the job's, so the same seed gives the same I/O. Trims take the
/// write sizes (fio's bs=,,T is the write's here); trimwrite follows each trim with a write of the
/// same blocks, outside the budget, so that size= bytes are trimmed and size= bytes written.
/// </summary>
internal sealed class IoSource
{
    private readonly OffsetGenerator _offsets;
    private readonly BlockSizePicker _readSizes;
    private readonly BlockSizePicker _writeSizes;
    private readonly long _size;
    private readonly int _readUnit;
    private readonly int _writeUnit;
    private readonly int _layoutChunk;
    private readonly bool _mixed;
    private readonly bool _writes;
    private readonly bool _trims;
    private readonly bool _trimThenWrite;
    private readonly int _rwMixRead;
    private readonly long _ioBudget;
    private readonly long _maxPasses;
    private readonly long _numberIos;
    private Taus88 _mix;
    private long _cursor;
    private long _passBase;
    private (long Offset, int Length)? _writeAfterTrim;

    /// <summary>The I/O of <paramref name="plan"/>; the layout in pieces of <paramref name="layoutChunk"/> bytes.</summary>
    public IoSource(JobPlan plan, int layoutChunk)
    {
        bool writeSizes = plan.Rw.HasWrites() || plan.Rw.HasTrims();
        int minLength = Math.Min(plan.Rw.HasReads() ? plan.Bs.Read.Min : int.MaxValue, writeSizes ? plan.Bs.Write.Min : int.MaxValue);
        _offsets = new OffsetGenerator(plan.Size, plan.Grain, minLength, plan.Rw.IsRandom(), plan.RandomMap, plan.Distribution, plan.Options.RwModifier,
            Taus88.DeriveSeed(plan.Seed, plan.Number, 1), plan.Get(Opt.RandomGenerator) == RandomGenerator.Lfsr);
        _mix = new Taus88(Taus88.DeriveSeed(plan.Seed, plan.Number, 2));
        _readSizes = new BlockSizePicker(plan.Bs.Read, Taus88.DeriveSeed(plan.Seed, plan.Number, 3));
        _writeSizes = new BlockSizePicker(plan.Bs.Write, Taus88.DeriveSeed(plan.Seed, plan.Number, 4));
        _size = plan.Size;
        _readUnit = plan.Bs.Read.Min;
        _writeUnit = plan.Bs.Write.Min;
        _layoutChunk = layoutChunk;
        _mixed = plan.Rw.IsMixed();
        _writes = plan.Rw.HasWrites();
        _trims = plan.Rw.HasTrims();
        _trimThenWrite = plan.Rw == RwMode.TrimWrite;
        _rwMixRead = plan.RwMixRead;
        _ioBudget = plan.IoBudget;
        _maxPasses = plan.MaxPasses;
        _numberIos = plan.Get(Opt.NumberIos);
    }

    /// <summary>Bytes issued in this phase that count toward the budget.</summary>
    public long IssuedBytes { get; set; }

    /// <summary>I/Os this phase's <see cref="TryNextMain"/> handed out (number_ios counts them; a trimwrite's write after its trim does not).</summary>
    public long IssuedIos { get; private set; }

    /// <summary>Whether a main-phase I/O in <paramref name="dir"/> counts to the budget: all but a trimwrite's writes.</summary>
    public bool CountsToBudget(IoDir dir) => !(_trimThenWrite && dir == IoDir.Write);

    /// <summary>A phase starts: the layout from the region's start, the budget afresh, the passes counted from here.</summary>
    public void BeginPhase()
    {
        _cursor = 0;
        IssuedBytes = 0;
        IssuedIos = 0;
        _passBase = _offsets.Passes;
        _writeAfterTrim = null;
    }

    /// <summary>The layout's next piece, a write in order over the region; false past its end.</summary>
    public bool TryNextLayout(out int length, out long offset)
    {
        offset = _cursor;
        length = (int)Math.Min(_layoutChunk, _size - offset);
        _cursor += length;
        return offset < _size;
    }

    /// <summary>
    /// The main phase's next I/O: direction by rwmixread, size by bs/bsrange/bssplit, offset
    /// from the generator; false past the budget or the passes when <paramref name="bounded"/>
    /// (a job that is not time based, or one that cycles through a read-back), number_ios included.
    /// A trimwrite's write of the blocks just trimmed comes next whatever the budget, and does not count to it.
    /// </summary>
    public bool TryNextMain(bool bounded, out IoDir dir, out long offset, out int length)
    {
        if (_writeAfterTrim is (long trimmedAt, int trimmed))
        {
            _writeAfterTrim = null;
            (dir, offset, length) = (IoDir.Write, trimmedAt, trimmed);
            return true;
        }
        // number_ios stops a job early, never makes it longer; a time-based job runs its time
        // regardless, as fio's keep_running looks at time_based first (fio 3.33 issued 2.28M
        // I/Os in 2 s with number_ios=100 and time_based).
        if (bounded && (IssuedBytes >= _ioBudget || _offsets.Passes - _passBase >= _maxPasses || (_numberIos > 0 && IssuedIos >= _numberIos)))
        {
            (dir, offset, length) = (IoDir.Read, 0, 0);
            return false;
        }
        dir = _trims ? IoDir.Trim
            : (_mixed ? (int)_mix.NextBelow(100) >= _rwMixRead : _writes) ? IoDir.Write
            : IoDir.Read;
        length = dir == IoDir.Read ? _readSizes.Next() : _writeSizes.Next();
        offset = _offsets.Next(ref length, dir == IoDir.Read ? _readUnit : _writeUnit);
        if (_trimThenWrite)
        {
            _writeAfterTrim = (offset, length);
        }
        IssuedIos++;
        return true;
    }
}
