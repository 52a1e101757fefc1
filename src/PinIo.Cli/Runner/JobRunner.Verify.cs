using PinIo.Cli.Options;
using PinIo.Cli.Verify;

namespace PinIo.Cli.Runner;

internal sealed partial class JobRunner
{
    /// <summary>
    /// Writes get a fresh sequence number and a verify header; reads that can be checked get the
    /// sequence they must find. Reads are checked in the read-back phase, and in the main phase
    /// only when the job does not also write (a mixed job's read may race its own write of the
    /// same block; fio checks those in its verify phase too).
    /// </summary>
    private void PrepareVerify(IoSlot slot, Phase phase)
    {
        BlockLog log = _log!;
        if (slot.IsWrite)
        {
            long sequence = _sequence++;
            VerifyHeader.Write(slot.Buffer.Span, slot.Offset, _plan.Seed, sequence);
            log[slot.Block] = sequence;
            slot.Sequence = sequence;
            return;
        }
        bool checkable = phase == Phase.Verify || (phase == Phase.Main && !_plan.Rw.HasWrites());
        slot.Sequence = log[slot.Block];
        slot.VerifyOnComplete = checkable && slot.Sequence != BlockLog.NeverWritten;
    }

    /// <summary>
    /// Reaps until no I/O in flight touches <paramref name="block"/>, so that two writes of one
    /// block are never in flight together and the block log names the write that lands last
    /// (fio's serialize_overlap).
    /// </summary>
    private void WaitUntilIdle(long block)
    {
        while (IsInFlight(block))
        {
            _recording.MarkCompleteBatch(ReapAtLeastOne());
        }
    }

    private bool IsInFlight(long block)
    {
        foreach (IoSlot slot in _slots)
        {
            if (slot.InFlight && slot.Block == block)
            {
                return true;
            }
        }
        return false;
    }
}
