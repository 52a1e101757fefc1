namespace PinIo.Cli.Runner.Engines;

/// <summary>direct=0 on a Volume file: each I/O through the Volume's page cache, from the slot's memory.</summary>
internal sealed class BufferedEngine(IBufferedJobIo io, IoClock clock, int slots) : IJobEngine
{
    private readonly PendingIos<int> _pending = new(slots);

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
        return _pending.Track(slot, pending);
    }

    public long Finish(IoSlot slot) => _pending.Take(slot);

    public ValueTask FlushAsync() => io.FlushAsync();
}
