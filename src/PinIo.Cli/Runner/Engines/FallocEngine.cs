// Follows fio's engines/falloc.c in meaning: an I/O is a fallocate of its range.
using Microsoft.Win32.SafeHandles;
using PinIo.Cli.Jobs;
using PinIo.Cli.Stats;
using PinIo.Linux;

namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// ioengine=falloc: each I/O is a fallocate(2) of its range on its file, and moves no data —
/// a write allocates (mode 0), a read reserves without growing the file (KEEP_SIZE), a trim
/// punches a hole; it counts as its bytes, as fio counts it.
/// </summary>
internal sealed class FallocEngine(IReadOnlyList<SafeFileHandle> files, IReadOnlyList<string> paths, IoClock clock) : IJobEngine
{
    public IoStart Start(IoSlot slot, out Exception? error)
    {
        error = null;
        (int file, long at) = FileSetTarget.Split(slot.Offset);
        int mode = slot.Dir switch
        {
            IoDir.Read => Interop.FALLOC_FL_KEEP_SIZE,
            IoDir.Trim => Interop.FALLOC_FL_PUNCH_HOLE | Interop.FALLOC_FL_KEEP_SIZE,
            _ => 0,
        };
        int res = Interop.Fallocate(files[file], mode, at, slot.Length);
        if (res < 0)
        {
            error = new DirectIoException((Errno)(-res), $"ioengine=falloc: fallocate(mode {mode}) of {slot.Length} bytes at {at} in {paths[file]} failed: {(Errno)(-res)} (does the file system support it?)");
            return IoStart.Failed;
        }
        slot.SubmittedAt = clock.Stamp(slot);
        return IoStart.Completed;
    }

    public long Finish(IoSlot slot) => slot.Length;

    public ValueTask FlushAsync()
    {
        foreach (SafeFileHandle file in files)
        {
            RandomAccess.FlushToDisk(file);
        }
        return ValueTask.CompletedTask;
    }
}
