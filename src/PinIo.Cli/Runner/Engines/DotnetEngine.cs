namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// ioengine=dotnet, the baseline: the same I/O through <see cref="RandomAccess"/> on the
/// <see cref="DotnetFile"/>'s handle, which runs it on the thread pool — PinIo is not in its path.
/// </summary>
internal sealed class DotnetEngine(DotnetFile file, IoClock clock, int slots) : IJobEngine
{
    private readonly PendingIos<int> _reads = new(slots);
    private readonly ValueTask[] _writes = new ValueTask[slots];

    public IoStart Start(IoSlot slot, out Exception? error)
    {
        error = null;
        Memory<byte> memory = slot.Buffer.Memory[..slot.Length];
        try
        {
            if (slot.IsWrite)
            {
                ValueTask write = RandomAccess.WriteAsync(file.Handle, memory, slot.Offset);
                slot.SubmittedAt = clock.Stamp(slot);
                _writes[slot.Index] = write;
                if (write.IsCompleted)
                {
                    return IoStart.Completed;
                }
                write.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(slot.OnCompleted!);
                return IoStart.InFlight;
            }
            ValueTask<int> read = RandomAccess.ReadAsync(file.Handle, memory, slot.Offset);
            slot.SubmittedAt = clock.Stamp(slot);
            return _reads.Track(slot, read);
        }
        catch (IOException e)
        {
            error = e;
            return IoStart.Failed;
        }
    }

    public long Finish(IoSlot slot)
    {
        if (!slot.IsWrite)
        {
            return _reads.Take(slot);
        }
        ValueTask write = _writes[slot.Index];
        _writes[slot.Index] = default;
        write.GetAwaiter().GetResult();
        return slot.Length;
    }

    public ValueTask FlushAsync()
    {
        RandomAccess.FlushToDisk(file.Handle);
        return ValueTask.CompletedTask;
    }
}
