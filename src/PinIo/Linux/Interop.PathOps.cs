// Follows mkdir(2), rmdir(2), unlink(2), stat(2)/lstat(2) (as statx with and without AT_SYMLINK_NOFOLLOW) and open(2) with O_CREAT.
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    /// Wraps mkdir(2).
    [LibraryImport(Libc, EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysMkdir(string path, uint mode);

    /// Wraps rmdir(2).
    [LibraryImport(Libc, EntryPoint = "rmdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysRmdir(string path);

    /// Wraps unlink(2).
    [LibraryImport(Libc, EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysUnlink(string path);

    /// <summary>Returns 0 or -errno (EEXIST when the path exists).</summary>
    internal static int Mkdir(string path, uint mode) => SysMkdir(path, mode) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <summary>Returns 0 or -errno (ENOTEMPTY when the directory holds entries).</summary>
    internal static int Rmdir(string path) => SysRmdir(path) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <summary>Returns 0 or -errno (ENOENT when there is nothing to remove).</summary>
    internal static int Unlink(string path) => SysUnlink(path) == 0 ? 0 : -Marshal.GetLastPInvokeError();

    /// <summary>Returns 0 or -errno; a symbolic link is described itself, not followed (lstat).</summary>
    internal static unsafe int StatxPathNoFollow(string path, uint mask, out Statx buffer)
    {
        buffer = default;
        fixed (Statx* p = &buffer)
        {
            int res = SysStatx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_STATX_SYNC_AS_STAT, mask, p);
            return res == 0 ? 0 : -Marshal.GetLastPInvokeError();
        }
    }
}
