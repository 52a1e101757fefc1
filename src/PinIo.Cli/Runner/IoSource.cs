// Follows fio's io_u.c (fill_io_u, get_rw_ddir, get_next_buflen) in meaning.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// Where a job's next I/O comes from: its direction (rwmixread), its size (bs, bsrange,
/// bssplit) and its offset (<see cref="OffsetGenerator"/>), until the job's budget of bytes or
/// passes is spent; and the layout's pieces, in order over the region. Each stream has a seed
/// of its own, derived from the job's, so the same seed gives the same I/O.
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
    private readonly int _rwMixRead;
    private readonly long _ioBudget;
    private readonly long _maxPasses;
    private readonly long _numberIos;
    private Taus88 _mix;
    private long _cursor;
    private long _passBase;

    /// <summary>The I/O of <paramref name="plan"/>; the layout in pieces of <paramref name="layoutChunk"/> bytes.</summary>
    public IoSource(JobPlan plan, int layoutChunk)
    {
        int minLength = Math.Min(plan.Rw.HasReads() ? plan.Bs.Read.Min : int.MaxValue, plan.Rw.HasWrites() ? plan.Bs.Write.Min : int.MaxValue);
        _offsets = new OffsetGenerator(plan.Size, plan.Grain, minLength, plan.Rw.IsRandom(), plan.RandomMap, plan.Distribution, plan.Options.RwModifier,
            Taus88.DeriveSeed(plan.Seed, plan.Number, 1));
        _mix = new Taus88(Taus88.DeriveSeed(plan.Seed, plan.Number, 2));
        _readSizes = new BlockSizePicker(plan.Bs.Read, Taus88.DeriveSeed(plan.Seed, plan.Number, 3));
        _writeSizes = new BlockSizePicker(plan.Bs.Write, Taus88.DeriveSeed(plan.Seed, plan.Number, 4));
        _size = plan.Size;
        _readUnit = plan.Bs.Read.Min;
        _writeUnit = plan.Bs.Write.Min;
        _layoutChunk = layoutChunk;
        _mixed = plan.Rw.IsMixed();
        _writes = plan.Rw.HasWrites();
        _rwMixRead = plan.RwMixRead;
        _ioBudget = plan.IoBudget;
        _maxPasses = plan.MaxPasses;
        _numberIos = plan.Get(Opt.NumberIos);
    }

    /// <summary>Bytes issued in this phase that count toward the budget.</summary>
    public long IssuedBytes { get; set; }

    /// <summary>I/Os this phase's <see cref="TryNextMain"/> handed out (number_ios counts them).</summary>
    public long IssuedIos { get; private set; }

    /// <summary>A phase starts: the layout from the region's start, the budget afresh, the passes counted from here.</summary>
    public void BeginPhase()
    {
        _cursor = 0;
        IssuedBytes = 0;
        IssuedIos = 0;
        _passBase = _offsets.Passes;
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
    /// </summary>
    public bool TryNextMain(bool bounded, out bool write, out long offset, out int length)
    {
        // number_ios stops a job early, never makes it longer; a time-based job runs its time
        // regardless, as fio's keep_running looks at time_based first (fio 3.33 issued 2.28M
        // I/Os in 2 s with number_ios=100 and time_based).
        if (bounded && (IssuedBytes >= _ioBudget || _offsets.Passes - _passBase >= _maxPasses || (_numberIos > 0 && IssuedIos >= _numberIos)))
        {
            (write, offset, length) = (false, 0, 0);
            return false;
        }
        write = _mixed ? (int)_mix.NextBelow(100) >= _rwMixRead : _writes;
        length = write ? _writeSizes.Next() : _readSizes.Next();
        offset = _offsets.Next(ref length, write ? _writeUnit : _readUnit);
        IssuedIos++;
        return true;
    }
}
