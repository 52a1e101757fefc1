using System.Runtime.InteropServices;
using PinIo.Cli.Options;
using PinIo.Cli.Verify;

namespace PinIo.Cli.Runner;

internal sealed partial class JobRunner
{
    /// <summary>Mismatches kept with their details; the rest are counted.</summary>
    private const int MaxFailuresKept = 16;

    private readonly List<VerifyFailure> _failures;
    private readonly long[] _backlogFirst;
    private readonly int[] _backlogCount;
    private readonly long[] _backlogSequence;
    private int _backlogHead;
    private int _backlogLength;
    private bool _backlogDraining;
    private VerifyFailure? _verifyFailure;
    private long _verifyMismatches;

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
        else if (_plan.RefillBuffers)
        {
            FillBuffer(data);
        }
        if (phase == Phase.Main && _plan.FlushEvery > 0 && ++_writesSinceFlush >= _plan.FlushEvery)
        {
            _writesSinceFlush = 0;
            _flushDue = true;
        }
    }

    /// <summary>
    /// The write a main-phase read must find, or NeverWritten when it is not checked: reads are
    /// checked there only when the job does not also write (a mixed job's read may race its
    /// own write of the block; fio checks those in its verify phase too) and when they cover
    /// exactly one logged write.
    /// </summary>
    private long ExpectedForRead(long offset, int length)
    {
        if (_log is null || _plan.Rw.HasWrites() || offset % _plan.Grain != 0)
        {
            return BlockLog.NeverWritten;
        }
        return _log.TryGetWrite(offset / _plan.Grain, out long sequence, out int written, out _) && written == length ? sequence : BlockLog.NeverWritten;
    }

    /// <summary>Checks a completed read against the write it should hold.</summary>
    private void CheckRead(IoSlot slot, long bytes)
    {
        ReadOnlySpan<byte> data = slot.Buffer.Span[..slot.Length];
        VerifyFailure? failure = bytes != slot.Length
            ? new VerifyFailure(slot.Offset, slot.Length, "short read", $"{slot.Length} bytes", $"{bytes} bytes")
            : _plan.Verify == VerifyKind.Pattern
                ? VerifyHeader.CheckPattern(data, slot.Offset, _plan.VerifyPattern)
                : VerifyHeader.Check(data, slot.Offset, _plan.Seed, slot.Sequence, _plan.Verify, _plan.VerifyPattern);
        if (failure is null)
        {
            return;
        }
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
