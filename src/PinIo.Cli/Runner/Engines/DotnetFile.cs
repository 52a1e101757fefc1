using Microsoft.Win32.SafeHandles;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Linux;

namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// ioengine=dotnet's file: a <see cref="SafeFileHandle"/> from <see cref="File.OpenHandle"/>,
/// used through <see cref="RandomAccess"/> alone — the baseline an application without PinIo
/// has. .NET has no O_DIRECT open flag (its FileOptions pass no such bit to open(2)), so with
/// direct=1 O_DIRECT is turned on afterwards with fcntl(F_SETFL) (<see cref="DescriptorFlags"/>),
/// which Linux allows for that flag, and checked with F_GETFL. sync= maps to FileOptions.WriteThrough (O_SYNC).
/// </summary>
internal sealed class DotnetFile : IDisposable
{
    private DotnetFile(SafeFileHandle handle, string path, bool direct)
    {
        Handle = handle;
        Path = path;
        Direct = direct;
    }

    public SafeFileHandle Handle { get; }

    public string Path { get; }

    /// <summary>Whether the handle has O_DIRECT (read back from the kernel).</summary>
    public bool Direct { get; }

    /// <summary>Opens <paramref name="target"/>'s file, created or extended to the job's size.</summary>
    public static DotnetFile Open(FileTarget target) => Open(target.Filename, target.IsBlockDevice || target.IsCharDevice ? 0 : target.WantedBytes, target.Direct, target.Dsync);

    /// <summary>Opens (creating when missing) <paramref name="path"/>, extends a smaller regular file to <paramref name="size"/>, and sets O_DIRECT when asked.</summary>
    public static DotnetFile Open(string path, long size, bool direct, bool sync)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite, sync ? FileOptions.WriteThrough : FileOptions.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OptionException($"pinio: ioengine=dotnet: cannot open {path}: {e.Message}", e);
        }
        try
        {
            if (size > 0 && RandomAccess.GetLength(handle) < size)
            {
                RandomAccess.SetLength(handle, size);
            }
            bool isDirect = direct && SetDirect(handle, path);
            return new DotnetFile(handle, path, isDirect);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void Dispose() => Handle.Dispose();

    private static bool SetDirect(SafeFileHandle handle, string path)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int res = DescriptorFlags.TrySetDirect((int)handle.DangerousGetHandle(), out bool direct);
            if (res < 0)
            {
                throw new OptionException($"pinio: ioengine=dotnet: fcntl(F_SETFL, O_DIRECT) failed on {path}: {(Errno)(-res)} (does the file system support O_DIRECT?)");
            }
            return direct;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}
