namespace PinIo.Tests.Infrastructure;

/// <summary>
/// A small file system mounted for one test: a tmpfs or ramfs of a given size, an ext4 on a
/// loop device, or a read-only bind mount. Unmounted (and its loop device detached) on
/// Dispose. Each factory returns null and the reason where mounting is not allowed here.
/// </summary>
internal sealed class FileScratchMount : IDisposable
{
    private readonly FileLoopDevice? _loop;

    private FileScratchMount(string mountPoint, FileLoopDevice? loop)
    {
        MountPoint = mountPoint;
        _loop = loop;
    }

    public string MountPoint { get; }

    public string File(string name) => Path.Combine(MountPoint, name);

    /// <summary>tmpfs limited to <paramref name="size"/> bytes (tmpfs takes O_DIRECT since Linux 6.6).</summary>
    public static FileScratchMount? TryTmpfs(long size, out string reason) =>
        TryMount(out reason, null, "-t", "tmpfs", "-o", $"size={size}", "tmpfs");

    /// <summary>ramfs: has no direct I/O at all, so open(O_DIRECT) fails with EINVAL there.</summary>
    public static FileScratchMount? TryRamfs(out string reason) =>
        TryMount(out reason, null, "-t", "ramfs", "ramfs");

    /// <summary>A fresh ext4 of <paramref name="size"/> bytes on a loop device.</summary>
    public static FileScratchMount? TryExt4(long size, out string reason)
    {
        FileLoopDevice? loop = FileLoopDevice.TryCreate(size, out reason);
        if (loop is null)
        {
            return null;
        }
        // No journal and no reserved blocks: every block of the small disk is data space.
        if (FileShell.TryRun(out reason, "mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-m", "0", loop.Path) is null)
        {
            loop.Dispose();
            return null;
        }
        FileScratchMount? mount = TryMount(out reason, loop, loop.Path);
        if (mount is null)
        {
            loop.Dispose();
        }
        return mount;
    }

    /// <summary><paramref name="source"/> bound read-only at a new mount point: open(O_RDWR) fails with EROFS there.</summary>
    public static FileScratchMount? TryReadOnlyBind(string source, out string reason)
    {
        FileScratchMount? mount = TryMount(out reason, null, "--bind", source);
        if (mount is null)
        {
            return null;
        }
        if (FileShell.TryRun(out reason, "mount", "-o", "remount,ro,bind", mount.MountPoint) is null)
        {
            mount.Dispose();
            return null;
        }
        return mount;
    }

    public void Dispose()
    {
        if (FileShell.Run("umount", MountPoint).ExitCode != 0)
        {
            FileShell.Run("umount", "-l", MountPoint);
        }
        try
        {
            Directory.Delete(MountPoint);
        }
        catch (IOException)
        {
            // Best effort: an empty leftover directory in /tmp must not fail the test.
        }
        _loop?.Dispose();
    }

    private static FileScratchMount? TryMount(out string reason, FileLoopDevice? loop, params string[] arguments)
    {
        string mountPoint = Path.Combine(Path.GetTempPath(), $"pinio-mnt-{Guid.NewGuid():N}");
        Directory.CreateDirectory(mountPoint);
        if (FileShell.TryRun(out reason, "mount", [.. arguments, mountPoint]) is null)
        {
            Directory.Delete(mountPoint);
            return null;
        }
        return new FileScratchMount(mountPoint, loop);
    }
}
