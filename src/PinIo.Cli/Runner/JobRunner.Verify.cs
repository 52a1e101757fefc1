using System.Diagnostics;
using System.Runtime.InteropServices;
using PinIo.Cli.Options;
using PinIo.Cli.Verify;

namespace PinIo.Cli.Runner;

internal sealed partial class JobRunner
{
    /// <summary>Mismatches kept with their details; the rest are counted.</summary>
    private const int MaxFailuresKept = 16;

    /// <summary>A read's expected sequence when it is checked against the header it holds: no write of this run is known there.</summary>
    private const long OwnHeader = -2;

    private readonly List<VerifyFailure> _failures;
    private readonly long[] _backlogFirst;
    private readonly int[] _backlogCount;
    private readonly long[] _backlogSequence;
    private int _backlogHead;
    private int _backlogLength;
    private bool _backlogDraining;
    private VerifyFailure? _verifyFailure;
    private long _verifyMismatches;
    private long _writesScrambled;

    // time_based with a read-back: the main phase stops at the size, as fio's do_io does, so
    // that its writes are read back before the next cycle.
    private bool _verifyCycles;

    /// <summary>
    /// The measured phases, fio's thread_main loop: the main phase, then for a writing job with
    /// verification the read-back, both within runtime — a read-back the runtime leaves no time
    /// for is skipped, as fio's do_verify stops once the job's runtime is over. A time_based
    /// job with a read-back runs in cycles, as fio's does: size bytes of the main phase, their
    /// read-back, again, until the runtime ends. verify_only replays a writing job's writes
    /// and reads them back; a read-only job's verify_only is its ordinary run, every block it
    /// reads checked (fio runs do_io for it). Returns the ticks measured.
    /// </summary>
    private long RunMeasuredPhases(CancellationToken ct)
    {
        long deadline = _plan.RuntimeUs > 0 ? Stopwatch.GetTimestamp() + UsToTicks(_plan.RuntimeUs) : long.MaxValue;
        bool readBack = _log is not null && _plan.Rw.HasWrites() && (_plan.VerifyOnly || _plan.DoVerify);
        if (_plan.VerifyOnly && _plan.Rw.HasWrites())
        {
            ReplayWrites();
            return RunReadBack(deadline, ct);
        }
        _verifyCycles = readBack && _plan.TimeBased;
        long ticks = 0;
        do
        {
            _sampling = true;
            long mainTicks = RunPhase(Phase.Main, deadline, ct);
            if (_plan.EndFsync && _plan.Rw.HasWrites() && _ioError is null)
            {
                // fio counts end_fsync in the job's runtime: buffered writes are done only when durable.
                long flushStart = Stopwatch.GetTimestamp();
                Flush();
                mainTicks += Stopwatch.GetTimestamp() - flushStart;
            }
            AddRuntime(mainTicks, _plan.Rw.HasReads(), _plan.Rw.HasWrites());
            ticks += mainTicks;
            if (readBack)
            {
                ticks += RunReadBack(deadline, ct);
            }
        }
        while (_verifyCycles && Stopwatch.GetTimestamp() < deadline && !Failed && !ct.IsCancellationRequested);
        return ticks;
    }

    /// <summary>The verify phase, unless the job failed, was stopped or its runtime is over.</summary>
    private long RunReadBack(long deadline, CancellationToken ct)
    {
        if (Failed || ct.IsCancellationRequested || Stopwatch.GetTimestamp() >= deadline)
        {
            return 0;
        }
        _sampling = true;
        long ticks = RunPhase(Phase.Verify, deadline, ct);
        AddRuntime(ticks, read: true, write: false);
        return ticks;
    }

    /// <summary>
    /// Fills a write's buffer. With verification, a fresh sequence number and header (or the
    /// pattern), recorded in the block log so that a read-back asks for exactly this write;
    /// main-phase writes also join the verify_backlog and count toward fsync=N.
    /// </summary>
    private void PrepareWrite(IoSlot slot, Phase phase)
    {
        Span<byte> data = slot.Buffer.Span[..slot.Length];
        if (_log is not null)
        {
            long sequence = phase == Phase.Layout ? _layoutSequence++ : _sequence++;
            if (_plan.Verify == VerifyKind.Pattern)
            {
                VerifyHeader.WritePattern(data, _plan.VerifyPattern);
            }
            else
            {
                VerifyHeader.Write(data, slot.Offset, _plan.Seed, sequence, _plan.Verify, _plan.VerifyPattern);
            }
            long first = slot.RegionOffset / _plan.Grain;
            int count = GrainsOf(slot.Length);
            _log.Record(first, count, slot.Length, sequence);
            slot.Sequence = sequence;
            if (phase == Phase.Main && _backlogFirst.Length > 0)
            {
                PushBacklog(first, count, sequence);
            }
        }
        else
        {
            RenewWriteData(data, slot.Offset);
        }
        if (phase == Phase.Main && _plan.FlushEvery > 0 && ++_writesSinceFlush >= _plan.FlushEvery)
        {
            _writesSinceFlush = 0;
            _flushDue = true;
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
    private long ExpectedForRead(long offset, int length)
    {
        if (_log is null || _plan.Rw.HasWrites() || offset % _plan.Grain != 0)
        {
            return BlockLog.NeverWritten;
        }
        long first = offset / _plan.Grain;
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

    /// <summary>Checks a completed read against the write it should hold (or, for <see cref="OwnHeader"/>, its own header).</summary>
    private void CheckRead(IoSlot slot, long bytes)
    {
        ReadOnlySpan<byte> data = slot.Buffer.Span[..slot.Length];
        long? sequence = slot.Sequence == OwnHeader ? null : slot.Sequence;
        ulong? seed = slot.Sequence == OwnHeader ? null : _plan.Seed;
        VerifyFailure? failure = bytes != slot.Length
            ? new VerifyFailure(slot.Offset, slot.Length, "short read", $"{slot.Length} bytes", $"{bytes} bytes")
            : _plan.Verify == VerifyKind.Pattern
                ? VerifyHeader.CheckPattern(data, slot.Offset, _plan.VerifyPattern)
                : VerifyHeader.Check(data, slot.Offset, seed, sequence, _plan.Verify, _plan.VerifyPattern);
        if (failure is null)
        {
            return;
        }
        failure = failure with { File = _plan.Target.Filename };
        _verifyMismatches++;
        _verifyFailure ??= failure;
        if (_failures.Count < MaxFailuresKept)
        {
            _failures.Add(failure);
        }
    }

    /// <summary>The read-back phase's next read: the next logged write, in offset order.</summary>
    private bool TryNextVerify(out IoRequest request)
    {
        BlockLog log = _log!;
        while (_cursor < log.Grains)
        {
            long grain = _cursor;
            if (log.TryGetWrite(grain, out long sequence, out int length, out int count))
            {
                _cursor = grain + count;
                request = new IoRequest(false, grain * _plan.Grain, length, sequence, CountsToBudget: true);
                return true;
            }
            _cursor++;
        }
        request = default;
        return false;
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
            _backlogDraining = true;
        }
    }

    /// <summary>The next backlog read whose write is still the last one over its blocks; the backlog drains to empty.</summary>
    private bool TryNextBacklog(out IoRequest request)
    {
        BlockLog log = _log!;
        while (_backlogLength > 0)
        {
            int at = _backlogHead;
            _backlogHead = (at + 1) % _backlogFirst.Length;
            _backlogLength--;
            if (log.TryGetWrite(_backlogFirst[at], out long sequence, out int length, out int count)
                && sequence == _backlogSequence[at] && count == _backlogCount[at])
            {
                request = new IoRequest(false, _backlogFirst[at] * _plan.Grain, length, sequence, CountsToBudget: false);
                return true;
            }
        }
        _backlogDraining = false;
        request = default;
        return false;
    }

    /// <summary>
    /// Reaps until no I/O in flight overlaps the next one where it matters: a write waits for
    /// every I/O on its bytes, a checked read for the writes on them. So two writes of one
    /// block are never in flight together, the block log names the write that lands last
    /// (fio's serialize_overlap), and a check never reads a write still landing.
    /// </summary>
    private void WaitForOverlaps(long offset, int length, bool write)
    {
        while (Overlaps(offset, length, write))
        {
            _recording.MarkCompleteBatch(Reap(1));
        }
    }

    private bool Overlaps(long offset, int length, bool write)
    {
        long end = offset + length;
        foreach (IoSlot slot in _slots)
        {
            if (slot.InFlight && (write || slot.IsWrite) && slot.RegionOffset < end && offset < slot.RegionOffset + slot.Length)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// verify_only: runs the main phase's generators without I/O to log the writes the earlier
    /// run of this job (same seed, same options) issued, in the same order with the same
    /// sequence numbers, so that the read-back checks them. Layout writes are not replayed: a
    /// verify_only run does not know whether the earlier one laid the file out.
    /// </summary>
    private void ReplayWrites()
    {
        BlockLog log = _log!;
        _issuedBytes = 0;
        _passBase = _offsets.Passes;
        while (TryNextMain(out IoRequest request))
        {
            _issuedBytes += request.Length;
            if (request.Write)
            {
                log.Record(request.Offset / _plan.Grain, GrainsOf(request.Length), request.Length, _sequence++);
            }
        }
    }

    /// <summary>The first mismatch, and how many others there were, for the job's error text.</summary>
    private string? VerifySummary()
    {
        if (_verifyFailure is null)
        {
            return null;
        }
        return _verifyMismatches == 1
            ? _verifyFailure.Message
            : FormattableString.Invariant($"{_verifyFailure.Message}; {_verifyMismatches - 1} more blocks failed verification");
    }

    private int GrainsOf(int length) => (length + _plan.Grain - 1) / _plan.Grain;

    /// <summary>
    /// Makes a reused buffer's data new for its next write: new random data (refill_buffers), or
    /// the buffer scrambled (fio's scramble_buffers=1 default); zeros and compressible data stay
    /// as they were filled, as fio leaves them.
    /// </summary>
    private void RenewWriteData(Span<byte> data, long offset)
    {
        if (_plan.RefillBuffers)
        {
            FillBuffer(data);
        }
        else if (!_plan.ZeroBuffers && _plan.CompressPercentage == 0)
        {
            WriteScramble.Stamp(data, offset, _writesScrambled++);
        }
    }

    /// <summary>
    /// Write data without verification: zeros (zero_buffers), or random words from the job's
    /// seed with, per 512-byte chunk, the last buffer_compress_percentage percent zeroed.
    /// </summary>
    private void FillBuffer(Span<byte> data)
    {
        if (_plan.ZeroBuffers)
        {
            data.Clear();
            return;
        }
        Span<ulong> words = MemoryMarshal.Cast<byte, ulong>(data);
        for (int i = 0; i < words.Length; i++)
        {
            words[i] = Taus88.SplitMix64(ref _fillState);
        }
        if (_plan.CompressPercentage > 0)
        {
            const int Chunk = 512;
            int zeros = Chunk * _plan.CompressPercentage / 100;
            for (int at = 0; at < data.Length; at += Chunk)
            {
                int chunk = Math.Min(Chunk, data.Length - at);
                int zero = Math.Min(zeros, chunk);
                data.Slice(at + chunk - zero, zero).Clear();
            }
        }
    }
}
