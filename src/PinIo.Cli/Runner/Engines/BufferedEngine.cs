namespace PinIo.Cli.Runner.Engines;

/// <summary>direct=0 on a Volume file: each I/O through the Volume's page cache, from the slot's memory.</summary>
internal sealed class BufferedEngine(IBufferedJobIo io, IoClock clock, int slots) : IJobEngine
{
    private readonly ValueTask<int>[] _pending = new ValueTask<int>[slots];

    public IoStart Start(IoSlot slot, out Exception? error)
    {
        error = null;
        Memory<byte> memory = slot.Buffer.Memory[..slot.Length];
        ValueTask<int> pending;
        try
        {
            pending = slot.IsWrite ? io.WriteBufferedAsync(slot.Offset, memory) : io.ReadBufferedAsync(slot.Offset, memory);
        }
        catch (DirectIoException e)
        {
            error = e;
            return IoStart.Failed;
        }
        slot.SubmittedAt = clock.Stamp(slot);
        _pending[slot.Index] = pending;
        if (pending.IsCompleted)
        {
            return IoStart.Completed;
        }
        pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(slot.OnCompleted!);
        return IoStart.InFlight;
    }

    public long Finish(IoSlot slot)
    {
        ValueTask<int> pending = _pending[slot.Index];
        _pending[slot.Index] = default;
        return pending.Result;
    }

    public ValueTask FlushAsync() => io.FlushAsync();
}
