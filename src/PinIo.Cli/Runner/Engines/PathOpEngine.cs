// Follows fio's engines/fileoperations.c in meaning: the operation on a file's name is the I/O that is timed.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Linux;

namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// ioengine=filecreate, filestat, filedelete, dircreate, dirstat, dirdelete: the first block of
/// each file in a pass is its operation — open(O_CREAT), stat/lstat/statx, unlink, mkdir, rmdir
/// — and every block counts as an I/O of its bytes, as fio counts them (one block per file
/// for the engines that create). No data moves. A failed operation fails the job with its errno.
/// </summary>
internal sealed class PathOpEngine(FileSetTarget files, PathStatKind statKind, IoClock clock) : IJobEngine
{
    public IoStart Start(IoSlot slot, out Exception? error)
    {
        error = null;
        (int file, long at) = FileSetTarget.Split(slot.Offset);
        if (at == 0)
        {
            string path = files.Files[file].Filename;
            int res = Operate(path);
            if (res < 0)
            {
                error = new DirectIoException((Errno)(-res), $"ioengine={files.EngineKind.FioName()}: {Call()} of {path} failed: {(Errno)(-res)}");
                return IoStart.Failed;
            }
        }
        slot.SubmittedAt = clock.Stamp(slot);
        return IoStart.Completed;
    }

    public long Finish(IoSlot slot) => slot.Length;

    public ValueTask FlushAsync() => ValueTask.CompletedTask;

    private int Operate(string path) => files.EngineKind switch
    {
        IoEngineKind.FileCreate => PathOps.CreateFile(path),
        IoEngineKind.FileDelete => PathOps.Unlink(path),
        IoEngineKind.DirCreate => PathOps.CreateDirectory(path),
        IoEngineKind.DirDelete => PathOps.RemoveDirectory(path),
        _ => PathOps.Stat(path, statKind),
    };

    private string Call() => files.EngineKind switch
    {
        IoEngineKind.FileCreate => "open(O_CREAT)",
        IoEngineKind.FileDelete => "unlink",
        IoEngineKind.DirCreate => "mkdir",
        IoEngineKind.DirDelete => "rmdir",
        _ => statKind.ToString().ToLowerInvariant(),
    };
}
