using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// ioengine=dotnet's file: a <see cref="SafeFileHandle"/> from <see cref="File.OpenHandle"/>,
/// used through <see cref="RandomAccess"/> alone — the baseline an application without PinIo
/// has. .NET has no O_DIRECT open flag (its FileOptions pass no such bit to open(2)), so with
/// direct=1 O_DIRECT is turned on afterwards with fcntl(F_SETFL), which Linux allows for that
/// flag, and checked with F_GETFL. sync= maps to FileOptions.WriteThrough (O_SYNC).
/// </summary>
internal sealed partial class DotnetFile : IDisposable
{
    private const int F_GETFL = 3;
    private const int F_SETFL = 4;

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

    /// <summary>O_DIRECT: 040000 in asm-generic (x86-64), 0200000 on arm and arm64.</summary>
    private static int ODirect => RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x10000 : 0x4000;

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
            int fd = (int)handle.DangerousGetHandle();
            int flags = Fcntl(fd, F_GETFL, 0);
            if (flags < 0 || Fcntl(fd, F_SETFL, flags | ODirect) < 0)
            {
                throw new OptionException($"pinio: ioengine=dotnet: fcntl(F_SETFL, O_DIRECT) failed on {path}: errno {Marshal.GetLastPInvokeError()} (does the file system support O_DIRECT?)");
            }
            return (Fcntl(fd, F_GETFL, 0) & ODirect) != 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Wraps fcntl(2). It is variadic in C; on x86-64 and arm64 Linux an int third argument passes as in a non-variadic call.</summary>
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd, int arg);
}
