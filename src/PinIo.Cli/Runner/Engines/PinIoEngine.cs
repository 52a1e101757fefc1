// Follows fio's engines/io_uring.c and engines/sync.c in their place in fio's loop, not in code.
using PinIo.Iov;

namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// PinIo's Direct I/O through a reused iterator over the slot's buffer: a raw device's
/// <see cref="Fs.DirectIo"/>, or a Volume file's own (<see cref="IJobIo"/>). On a polled ring the
/// request is only queued here: the ring's commit stamps its submission (see <see cref="Completions"/>).
/// </summary>
internal sealed class PinIoEngine(IJobIo io, IoClock clock, bool polled, int slots) : IJobEngine
{
    private readonly PendingIos<long> _pending = new(slots);
    private readonly IPrioritizedJobIo? _prioritized = io as IPrioritizedJobIo;
    private readonly DeviceJobIo? _device = io as DeviceJobIo; // a raw device's, called by its sealed type: no dispatch per I/O

    // A raw device's reads and writes on a polled ring complete into their slot (a kiocb's
    // ki_complete) instead of through a ValueTask. Only there: a completion then runs inside the
    // job thread's own reap, after the submission's stamp; elsewhere it could beat it.
    private readonly bool _intoSlot = polled && io is DeviceJobIo;

    public IoStart Start(IoSlot slot, out Exception? error)
    {
        error = null;
        if (slot.IsTrim)
        {
            return StartTrim(slot, out error);
        }
        IovIter iter = slot.IsWrite ? slot.Buffer.WriteIter : slot.Buffer.ReadIter;
        BlockBuffer.Shorten(iter, slot.Length);
        ValueTask<long> pending;
        try
        {
            if (_intoSlot)
            {
                return StartIntoSlot(slot, iter);
            }
            pending = slot.Priority.IsSet && _prioritized is { } prioritized
                ? (slot.IsWrite ? prioritized.WriteAsync(slot.Offset, iter, slot.Priority) : prioritized.ReadAsync(slot.Offset, iter, slot.Priority))
                : Transfer(slot, iter);
        }
        catch (DirectIoException e)
        {
            error = e;
            BlockBuffer.Rewind(iter);
            return IoStart.Failed;
        }
        return Started(slot, pending);
    }

    private IoStart StartIntoSlot(IoSlot slot, IovIter iter)
    {
        bool ended = _device!.Start(slot, iter);
        slot.SubmittedAt = slot.StartedAt;
        return ended ? IoStart.Completed : IoStart.InFlight;
    }

    private ValueTask<long> Transfer(IoSlot slot, IovIter iter)
    {
        if (_device is { } device)
        {
            return slot.IsWrite ? device.WriteAsync(slot.Offset, iter) : device.ReadAsync(slot.Offset, iter);
        }
        return slot.IsWrite ? io.WriteAsync(slot.Offset, iter) : io.ReadAsync(slot.Offset, iter);
    }

    /// <summary>A trim carries no data: nothing of the buffer to shorten or rewind.</summary>
    private IoStart StartTrim(IoSlot slot, out Exception? error)
    {
        error = null;
        ValueTask<long> pending;
        try
        {
            pending = io.TrimAsync(slot.Offset, slot.Length);
        }
        catch (DirectIoException e)
        {
            error = e;
            return IoStart.Failed;
        }
        return Started(slot, pending);
    }

    private IoStart Started(IoSlot slot, ValueTask<long> pending)
    {
        slot.SubmittedAt = polled ? slot.StartedAt : clock.Stamp(slot);
        return _pending.Track(slot, pending);
    }

    public long Finish(IoSlot slot)
    {
        try
        {
            return _intoSlot && !slot.IsTrim ? slot.TakeResult() : _pending.Take(slot);
        }
        finally
        {
            if (!slot.IsTrim)
            {
                BlockBuffer.Rewind(slot.IsWrite ? slot.Buffer.WriteIter : slot.Buffer.ReadIter);
            }
        }
    }

    public ValueTask FlushAsync() => io.FlushAsync();
}
