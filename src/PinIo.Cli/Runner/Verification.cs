// Follows fio's verify.c (populate_verify_io_u, verify_io_u, get_next_verify) and backend.c's
// do_verify in meaning, not in code.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;
using PinIo.Cli.Verify;

namespace PinIo.Cli.Runner;

/// <summary>
/// A job's verification: every write stamped with a header (or the pattern) and recorded in
/// the <see cref="BlockLog"/> under a fresh sequence number, so that a read-back asks for
/// exactly the write that landed last; the read-back phase's reads in offset order; the
/// verify_backlog's reads between writes; each checked read's verdict, the first mismatches
/// kept whole and the rest counted. Job thread only.
/// </summary>
internal sealed class Verification
{
    /// <summary>Mismatches kept with their details; the rest are counted.</summary>
    private const int MaxFailuresKept = 16;

    /// <summary>A read's expected sequence when it is checked against the header it holds: no write of this run is known there.</summary>
    private const long OwnHeader = -2;

    /// <summary>Layout writes number from here, apart from the main phase's, which a verify_only replay numbers from 0.</summary>
    private const long LayoutSequenceBase = 1L << 62;

    private readonly BlockLog _log;
    private readonly List<VerifyFailure> _failures = new(MaxFailuresKept);
    private readonly long[] _backlogFirst;
    private readonly int[] _backlogCount;
    private readonly long[] _backlogSequence;
    private readonly VerifyKind _kind;
    private readonly byte[]? _pattern;
    private readonly ulong _seed;
    private readonly int _grain;
    private readonly bool _checksReads;
    private readonly string _filename;
    private readonly int _interval;
    private readonly int _headerAt;
    private readonly bool _dump;
    private readonly bool _checksSequence;
    private readonly string _statePath;
    private readonly long _regionOffset;
    private int _backlogHead;
    private int _backlogLength;
    private long _cursor;
    private long _sequence;
    private long _layoutSequence = LayoutSequenceBase;

    /// <summary>The verification of <paramref name="plan"/> (which has a verify=).</summary>
    public Verification(JobPlan plan)
    {
        _log = new BlockLog(plan.Grains);
        _kind = plan.Verify;
        _pattern = plan.Get(Opt.VerifyPattern);
        _seed = plan.Seed;
        _grain = plan.Grain;
        // A job that also writes checks its reads in the verify phase only.
        _checksReads = !plan.Rw.HasWrites();
        _filename = plan.Target.Filename;
        _interval = (int)(plan.Get(Opt.VerifyInterval) ?? 0);
        _headerAt = (int)plan.Get(Opt.VerifyOffset);
        _dump = plan.Get(Opt.VerifyDump);
        _checksSequence = plan.Get(Opt.VerifyWriteSequence);
        // fio numbers state files from 0 (its thread index); pinio numbers jobs from 1.
        _statePath = VerifyState.PathOf(plan.Name, plan.Number - 1);
        _regionOffset = plan.Offset;
        int backlog = plan.Get(Opt.VerifyBacklog) > 0 && plan.Rw.HasWrites() ? plan.Get(Opt.VerifyBacklog) : 0;
        _backlogFirst = new long[backlog];
        _backlogCount = new int[backlog];
        _backlogSequence = new long[backlog];
    }

    /// <summary>The first mismatch; null while there is none.</summary>
    public VerifyFailure? FirstFailure { get; private set; }

    /// <summary>The first mismatches, with their details.</summary>
    public IReadOnlyList<VerifyFailure> Failures => _failures;

    public long Mismatches { get; private set; }

    /// <summary>verify_backlog is full: the main phase reads it back (<see cref="TryNextBacklog"/>) before writing more.</summary>
    public bool BacklogDue { get; private set; }

    /// <summary>
    /// Stamps a write's buffer with a fresh sequence number and header (or the pattern) and
    /// records it in the block log; a main-phase write also joins the verify_backlog.
    /// </summary>
    public void PrepareWrite(IoSlot slot, Phase phase)
    {
        Span<byte> data = slot.Buffer.Span[..slot.Length];
        long sequence = phase == Phase.Layout ? _layoutSequence++ : _sequence++;
        if (_kind == VerifyKind.Pattern)
        {
            VerifyHeader.WritePattern(data, _pattern);
        }
        else
        {
            // verify_interval: a header of its own for each interval; verify_offset: each moved into its interval's data.
            int interval = IntervalOf(data.Length);
            long metaTime = _kind == VerifyKind.Meta ? VerifyHeader.MetaTime() : -1;
            for (int at = 0; at < data.Length; at += interval)
            {
                Span<byte> chunk = data.Slice(at, interval);
                VerifyHeader.Write(chunk, slot.Offset + at, _seed, sequence, _kind, _pattern, metaTime);
                SwapHeader(chunk);
            }
        }
        long first = slot.RegionOffset / _grain;
        int count = GrainsOf(slot.Length);
        _log.Record(first, count, slot.Length, sequence);
        slot.Sequence = sequence;
        if (phase == Phase.Main && _backlogFirst.Length > 0)
        {
            PushBacklog(first, count, sequence);
        }
    }

    /// <summary>
    /// The write a main-phase read must find; <see cref="OwnHeader"/> when it is checked against
    /// the header it holds; NeverWritten when it is not checked. A job that also writes checks
    /// its reads in the verify phase only (a mixed job's read may race its own write of the
    /// block; fio checks those in its verify phase too). A read-only job checks every block it
    /// reads, as fio's does: against the write it logged there itself (its layout), or, where
    /// this run wrote nothing, against the block's own header — what an earlier run wrote.
    /// </summary>
    public long ExpectedForRead(long offset, int length)
    {
        if (!_checksReads || offset % _grain != 0)
        {
            return BlockLog.NeverWritten;
        }
        long first = offset / _grain;
        if (_log.TryGetWrite(first, out long sequence, out int written, out _) && written == length)
        {
            return sequence;
        }
        for (long grain = first; grain < first + GrainsOf(length); grain++)
        {
            if (_log[grain] != BlockLog.NeverWritten)
            {
                // This run wrote part of it, in another shape: nothing whole to check against.
                return BlockLog.NeverWritten;
            }
        }
        return OwnHeader;
    }

    /// <summary>Checks a completed read of <paramref name="bytes"/> against the write it should hold (or, for <see cref="OwnHeader"/>, its own header).</summary>
    public void CheckRead(IoSlot slot, long bytes)
    {
        Span<byte> data = slot.Buffer.Span[..slot.Length];
        VerifyFailure? failure = bytes != slot.Length
            ? new VerifyFailure(slot.Offset, slot.Length, "short read", $"{slot.Length} bytes", $"{bytes} bytes")
            : _kind == VerifyKind.Pattern
                ? VerifyHeader.CheckPattern(data, slot.Offset, _pattern)
                : CheckHeaders(data, slot.Offset, slot.Sequence);
        if (failure is null)
        {
            return;
        }
        failure = failure with { File = _filename };
        if (_dump && bytes == slot.Length)
        {
            ReadOnlySpan<byte> received = data.Slice((int)(failure.Offset - slot.Offset), failure.Length);
            VerifyDump.Write(failure, received, slot.Sequence == OwnHeader ? null : _seed, slot.Sequence == OwnHeader ? null : slot.Sequence, _kind, _pattern);
        }
        Mismatches++;
        FirstFailure ??= failure;
        if (_failures.Count < MaxFailuresKept)
        {
            _failures.Add(failure);
        }
    }

    /// <summary>Checks each interval's header (the whole block's without verify_interval), its header first moved back from verify_offset; the first failure.</summary>
    private VerifyFailure? CheckHeaders(Span<byte> data, long offset, long expected)
    {
        long? sequence = expected == OwnHeader || !_checksSequence ? null : expected;
        ulong? seed = expected == OwnHeader ? null : _seed;
        int interval = IntervalOf(data.Length);
        for (int at = 0; at < data.Length; at += interval)
        {
            Span<byte> chunk = data.Slice(at, interval);
            SwapHeader(chunk);
            if (VerifyHeader.Check(chunk, offset + at, seed, sequence, _kind, _pattern) is { } failure)
            {
                return failure;
            }
        }
        return null;
    }

    /// <summary>The size of each headed piece of a block of <paramref name="length"/> bytes: verify_interval where it divides the block (planning checks that it does), else the block.</summary>
    private int IntervalOf(int length) => _interval > 0 && length % _interval == 0 ? _interval : length;

    /// <summary>verify_offset: swaps the header (the first <see cref="VerifyHeader.Size"/> bytes) with the data at the offset; its own inverse.</summary>
    private void SwapHeader(Span<byte> chunk)
    {
        if (_headerAt == 0)
        {
            return;
        }
        Span<byte> header = chunk[..VerifyHeader.Size];
        Span<byte> there = chunk.Slice(_headerAt, VerifyHeader.Size);
        Span<byte> held = stackalloc byte[VerifyHeader.Size];
        header.CopyTo(held);
        there.CopyTo(header);
        held.CopyTo(there);
    }

    /// <summary>A write that failed and was gone on past (continue_on_error, fill_device): nothing of it is checked, unless a later write covers its blocks.</summary>
    public void ForgetWrite(IoSlot slot)
    {
        long first = slot.RegionOffset / _grain;
        if (_log.TryGetWrite(first, out long sequence, out _, out _) && sequence == slot.Sequence)
        {
            _log.Record(first, GrainsOf(slot.Length), slot.Length, BlockLog.NeverWritten);
        }
    }

    /// <summary>The read-back phase starts at the region's first logged write.</summary>
    public void BeginReadBack() => _cursor = 0;

    /// <summary>The read-back phase's next read: the next logged write, in offset order.</summary>
    public bool TryNextReadBack(out IoRequest request)
    {
        while (_cursor < _log.Grains)
        {
            long grain = _cursor;
            if (_log.TryGetWrite(grain, out long sequence, out int length, out int count))
            {
                _cursor = grain + count;
                request = new IoRequest(IoDir.Read, grain * _grain, length, sequence, CountsToBudget: true);
                return true;
            }
            _cursor++;
        }
        request = default;
        return false;
    }

    /// <summary>The next backlog read whose write is still the last one over its blocks; the backlog drains to empty.</summary>
    public bool TryNextBacklog(out IoRequest request)
    {
        while (_backlogLength > 0)
        {
            int at = _backlogHead;
            _backlogHead = (at + 1) % _backlogFirst.Length;
            _backlogLength--;
            if (_log.TryGetWrite(_backlogFirst[at], out long sequence, out int length, out int count)
                && sequence == _backlogSequence[at] && count == _backlogCount[at])
            {
                request = new IoRequest(IoDir.Read, _backlogFirst[at] * _grain, length, sequence, CountsToBudget: false);
                return true;
            }
        }
        BacklogDue = false;
        request = default;
        return false;
    }

    /// <summary>
    /// verify_only: runs the main phase's generators without I/O to log the writes the earlier
    /// run of this job (same seed, same options) issued, in the same order with the same
    /// sequence numbers, so that the read-back checks them. Layout writes are not replayed: a
    /// verify_only run does not know whether the earlier one laid the file out.
    /// </summary>
    public void ReplayWrites(IoSource source)
    {
        source.BeginPhase();
        while (source.TryNextMain(bounded: true, out IoDir dir, out long offset, out int length))
        {
            source.IssuedBytes += length;
            if (dir == IoDir.Write)
            {
                _log.Record(offset / _grain, GrainsOf(length), length, _sequence++);
            }
        }
    }

    /// <summary>verify_state_save: the writes this job made, to its state file.</summary>
    public void SaveState() => VerifyState.Save(_statePath, _seed, _grain, _regionOffset, _log);

    /// <summary>verify_state_load: a verify_only run checks exactly the writes the state file holds (instead of <see cref="ReplayWrites"/>).</summary>
    public void LoadState() => VerifyState.Load(_statePath, _seed, _grain, _regionOffset, _log);

    /// <summary>The first mismatch, and how many others there were, for the job's error text.</summary>
    public string? Summary()
    {
        if (FirstFailure is null)
        {
            return null;
        }
        return Mismatches == 1
            ? FirstFailure.Message
            : FormattableString.Invariant($"{FirstFailure.Message}; {Mismatches - 1} more blocks failed verification");
    }

    /// <summary>verify_backlog: remembers a write; after N of them the main phase reads them back before writing more.</summary>
    private void PushBacklog(long first, int count, long sequence)
    {
        int capacity = _backlogFirst.Length;
        int at = (_backlogHead + _backlogLength) % capacity;
        _backlogFirst[at] = first;
        _backlogCount[at] = count;
        _backlogSequence[at] = sequence;
        if (++_backlogLength == capacity)
        {
            BacklogDue = true;
        }
    }

    private int GrainsOf(int length) => (length + _grain - 1) / _grain;
}
