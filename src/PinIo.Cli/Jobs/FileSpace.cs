// Follows fio's filesetup.c (fallocate_file, and the directories filename_format names) in meaning.
using Microsoft.Win32.SafeHandles;
using PinIo.Linux;

namespace PinIo.Cli.Jobs;

/// <summary>
/// A regular file made ready before its job opens it: the directories filename_format names,
/// and the space fallocate= asks for when the file is created or extended — blocks reserved
/// (native, keep) or a sparse size (truncate, none). PinIo's file device then finds the file
/// at its size and extends nothing itself.
/// </summary>
internal static class FileSpace
{
    /// <summary>Makes <paramref name="target"/>'s file ready; throws <see cref="DirectIoException"/> naming the call that failed.</summary>
    public static void Prepare(FileTarget target)
    {
        if (target.IsBlockDevice || target.IsCharDevice || target.ReadOnly)
        {
            return;
        }
        if (target.MakeParents && Path.GetDirectoryName(Path.GetFullPath(target.Filename)) is { } parent)
        {
            Directory.CreateDirectory(parent);
        }
        // fill_device writes until the file system is full: nothing reserved, nothing sized.
        if (!target.Fills)
        {
            Reserve(target.Filename, target.WantedBytes, target.Fallocate);
        }
    }

    /// <summary>Creates <paramref name="path"/> when missing and grows it to <paramref name="bytes"/> as <paramref name="mode"/> says; a larger file is left as it is.</summary>
    public static void Reserve(string path, long bytes, Options.FallocateMode mode)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DirectIoException(Errno.EACCES, $"cannot create or open {path}: {e.Message}", e);
        }
        using (handle)
        {
            long size = RandomAccess.GetLength(handle);
            if (size >= bytes)
            {
                return;
            }
            if (mode is Options.FallocateMode.Native or Options.FallocateMode.Keep)
            {
                int keep = mode == Options.FallocateMode.Keep ? Interop.FALLOC_FL_KEEP_SIZE : 0;
                int res = Interop.Fallocate(handle, keep, size, bytes - size);
                // A file system without fallocate gets a sparse file, as fio's native falls back to none.
                if (res < 0 && res != -(int)Errno.EOPNOTSUPP)
                {
                    Errors.Check(res, "fallocate", path);
                }
            }
            RandomAccess.SetLength(handle, bytes);
        }
    }
}
