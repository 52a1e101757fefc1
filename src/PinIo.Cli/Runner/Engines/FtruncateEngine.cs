// Follows fio's engines/ftruncate.c in meaning: a write is an ftruncate to its offset.
namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// ioengine=ftruncate: each write sets the file's size to the write's offset (shrinking or
/// growing it) and moves no data; it counts as the write's bytes, as fio counts it.
/// </summary>
internal sealed class FtruncateEngine(DotnetFile file, IoClock clock) : IJobEngine
{
    public IoStart Start(IoSlot slot, out Exception? error)
    {
        error = null;
        try
        {
            RandomAccess.SetLength(file.Handle, slot.Offset);
            slot.SubmittedAt = clock.Stamp(slot);
            return IoStart.Completed;
        }
        catch (IOException e)
        {
            error = e;
            return IoStart.Failed;
        }
    }

    public long Finish(IoSlot slot) => slot.Length;

    public ValueTask FlushAsync()
    {
        RandomAccess.FlushToDisk(file.Handle);
        return ValueTask.CompletedTask;
    }
}
