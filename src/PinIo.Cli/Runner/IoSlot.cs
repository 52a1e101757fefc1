using System.Runtime.ExceptionServices;
using PinIo.Cli.Stats;
using PinIo.Fs;

namespace PinIo.Cli.Runner;

/// <summary>
/// One of a job's <c>iodepth</c> request slots (fio's io_u): its buffer and, while an I/O is in
/// flight, what the I/O is and when it started (the engine keeps what it is waiting on). Owned by the job thread, except
/// <see cref="CompletedAt"/>, which the completing thread stamps before it hands the slot back
/// through the job's completion queue (the queue's fences order the two).
/// </summary>
internal sealed class IoSlot(int index, BlockBuffer buffer) : DioCompletion
{
    public int Index { get; } = index;

    public BlockBuffer Buffer { get; } = buffer;

    /// <summary>The job's completion queue, where the slot goes when its I/O ends; set once by the loop.</summary>
    public Completions? Completions { get; set; }

    /// <summary>The continuation registered on the pending I/O (<see cref="SignalCompleted"/>): made once, so that waiting allocates nothing.</summary>
    public Action? OnCompleted { get; set; }

    public IoDir Dir { get; set; }

    public bool IsWrite => Dir == IoDir.Write;

    /// <summary>A trim (discard) moves no data: the slot's buffer is not used.</summary>
    public bool IsTrim => Dir == IoDir.Trim;

    /// <summary>The I/O priority of the request (prio, cmdprio_*); none unless the job sets one.</summary>
    public Block.IoPriority Priority { get; set; }

    /// <summary>Byte offset on the target.</summary>
    public long Offset { get; set; }

    /// <summary>Byte offset within the job's region.</summary>
    public long RegionOffset { get; set; }

    /// <summary>Bytes of this I/O (the first bytes of the buffer).</summary>
    public int Length { get; set; }

    /// <summary>Sequence number of the write (verification), or the sequence a read expects.</summary>
    public long Sequence { get; set; }

    /// <summary>Whether the read is checked against its verify header when it completes.</summary>
    public bool VerifyOnComplete { get; set; }

    /// <summary>Whether the I/O had completed when its submitting call returned (as a synchronous engine's does).</summary>
    public bool CompletedInline { get; set; }

    /// <summary>Submitted and not yet reaped by the job thread.</summary>
    public bool InFlight { get; set; }

    public long StartedAt { get; set; }

    public long SubmittedAt { get; set; }

    public long CompletedAt;

    /// <summary>The bytes moved by a request the slot is the completion of (<see cref="DioCompletion"/>), until <see cref="TakeResult"/>.</summary>
    public long Result;

    /// <summary>What that request failed with, until <see cref="TakeResult"/>.</summary>
    public Exception? Failure;

    public override void Complete(long result, Exception? error)
    {
        Result = result;
        Fields.StoreIfChanged(ref Failure, error);
        SignalCompleted();
    }

    /// <summary>Hands the slot to the job's completion queue: its I/O has ended.</summary>
    public void SignalCompleted() => Completions!.OnIoCompleted(this);

    /// <summary>The result of the request the slot was the completion of; throws what it failed with.</summary>
    public long TakeResult()
    {
        Exception? failure = Failure;
        if (failure is not null)
        {
            Failure = null;
            ExceptionDispatchInfo.Throw(failure);
        }
        return Result;
    }
}
