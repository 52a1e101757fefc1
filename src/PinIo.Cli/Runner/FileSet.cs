// Follows fio's filesetup.c (setup_files, and the engines' setup: dirstat's and dirdelete's setup_dirs) in meaning.
using Microsoft.Win32.SafeHandles;
using PinIo.Block;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Runner.Engines;
using PinIo.Linux;

namespace PinIo.Cli.Runner;

/// <summary>
/// The files of a <see cref="FileSetTarget"/> as its job runs them: a device each for PinIo's
/// Direct I/O, a handle each for falloc, nothing open for the path engines — whose files or
/// directories are made first where the operation needs them (filestat and filedelete their
/// files, dirstat and dirdelete their directories), as fio's setup does.
/// </summary>
internal sealed class FileSet : IDisposable
{
    private readonly List<IDisposable> _open = [];

    private FileSet(FileSetTarget target) => Target = target;

    public FileSetTarget Target { get; }

    /// <summary>The devices of a job whose I/O moves data; empty otherwise.</summary>
    public List<IBlockDevice> Devices { get; } = [];

    /// <summary>The handles of a falloc job; empty otherwise.</summary>
    public List<SafeFileHandle> Handles { get; } = [];

    /// <summary>Opens (and where needed makes) every file of <paramref name="target"/>; on failure closes what it opened and throws.</summary>
    public static FileSet Open(FileSetTarget target)
    {
        var set = new FileSet(target);
        try
        {
            foreach (FileTarget file in target.Files)
            {
                set.OpenOne(file);
            }
            return set;
        }
        catch (Exception e) when (e is IOException and not DirectIoException or UnauthorizedAccessException)
        {
            set.Dispose();
            throw new DirectIoException(e is UnauthorizedAccessException ? Errno.EACCES : Errno.EIO, $"cannot make or open the job's files: {e.Message} (check directory= and the names' directories and permissions)", e);
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    /// <summary>The engine of the job: falloc, a path operation, or PinIo's Direct I/O over the devices (null: the runner's default for <see cref="JobIo"/>).</summary>
    public IJobEngine? Engine(JobPlan plan, IoClock clock) => Target.EngineKind switch
    {
        IoEngineKind.Falloc => new FallocEngine(Handles, [.. Target.Files.Select(f => f.Filename)], clock),
        _ when Target.EngineKind.IsPathOperation() => new PathOpEngine(Target, plan.Get(Opt.StatType), clock),
        _ => null,
    };

    /// <summary>I/O through PinIo to the file an offset names; null for the engines that move no data.</summary>
    public IJobIo? JobIo => Devices.Count > 0 ? new FileSetJobIo(Devices) : null;

    public void Dispose()
    {
        foreach (IDisposable open in _open)
        {
            open.Dispose();
        }
        _open.Clear();
    }

    private void OpenOne(FileTarget file)
    {
        switch (Target.EngineKind)
        {
            case IoEngineKind.Falloc:
                FileSpace.Prepare(file);
                SafeFileHandle handle = File.OpenHandle(file.Filename, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
                _open.Add(handle);
                Handles.Add(handle);
                break;
            case IoEngineKind.FileStat or IoEngineKind.FileDelete:
                if (!File.Exists(file.Filename))
                {
                    FileSpace.Prepare(file);
                }
                break;
            case IoEngineKind.DirStat or IoEngineKind.DirDelete:
                MakeDirectory(file);
                break;
            case IoEngineKind.FileCreate or IoEngineKind.DirCreate:
                if (file.MakeParents && Path.GetDirectoryName(Path.GetFullPath(file.Filename)) is { } parent)
                {
                    Directory.CreateDirectory(parent);
                }
                break;
            default:
                IBlockDevice device = file.Open(0);
                _open.Add(device);
                Devices.Add(device);
                break;
        }
    }

    /// <summary>unlink=1: the set's regular files deleted, its directories removed (the dir engines' unlink_file); devices never.</summary>
    public static void Unlink(FileSetTarget target)
    {
        foreach (FileTarget file in target.Files)
        {
            if (Directory.Exists(file.Filename))
            {
                _ = PathOps.RemoveDirectory(file.Filename);
            }
            else if (!file.IsBlockDevice && !file.IsCharDevice)
            {
                File.Delete(file.Filename);
            }
        }
    }

    private static void MakeDirectory(FileTarget file)
    {
        if (file.MakeParents && Path.GetDirectoryName(Path.GetFullPath(file.Filename)) is { } parent)
        {
            Directory.CreateDirectory(parent);
        }
        int res = PathOps.CreateDirectory(file.Filename);
        if (res < 0 && res != -(int)Errno.EEXIST)
        {
            Errors.Check(res, "mkdir", file.Filename);
        }
    }
}
