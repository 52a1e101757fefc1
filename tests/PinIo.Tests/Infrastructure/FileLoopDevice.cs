namespace PinIo.Tests.Infrastructure;

/// <summary>
/// A loop block device over a sparse backing file in the system temp directory (ext4 here),
/// made with <c>losetup -f --show</c> and detached on Dispose. Tests that need a real block
/// device use it; where loop devices cannot be made (no root, no loop driver, a container),
/// <see cref="Create"/> ends the test Skipped, and <see cref="TryCreate"/> returns null, saying why.
/// </summary>
internal sealed class FileLoopDevice : IDisposable
{
    private FileLoopDevice(string path, string backingFile, long size)
    {
        Path = path;
        BackingFile = backingFile;
        Size = size;
    }

    /// <summary>The device node, such as /dev/loop3.</summary>
    public string Path { get; }

    public string BackingFile { get; }

    public long Size { get; }

    /// <summary>A loop device of <paramref name="size"/> bytes; where none can be made here, the test ends Skipped with losetup's reason.</summary>
    public static FileLoopDevice Create(long size, bool readOnly = false, int logicalBlockSize = 512, string? backingDirectory = null) =>
        Requires.Available(TryCreate(size, out string reason, readOnly, logicalBlockSize, backingDirectory),
            $"no loop device here ({reason}): needs root and the loop driver");

    /// <summary>A loop device of <paramref name="size"/> bytes, or null and the reason.</summary>
    public static FileLoopDevice? TryCreate(long size, out string reason, bool readOnly = false, int logicalBlockSize = 512, string? backingDirectory = null)
    {
        string backing = System.IO.Path.Combine(backingDirectory ?? System.IO.Path.GetTempPath(), $"pinio-loop-{Guid.NewGuid():N}.img");
        using (var stream = new FileStream(backing, FileMode.CreateNew))
        {
            stream.SetLength(size);
        }
        string[] arguments = ["-f", "--show", "-b", logicalBlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture), .. readOnly ? ["-r"] : Array.Empty<string>(), backing];
        string? device = FileShell.TryRun(out reason, "losetup", arguments);
        if (device is null || !device.StartsWith("/dev/", StringComparison.Ordinal))
        {
            reason = device is null ? reason : $"losetup printed '{device}' instead of a device";
            File.Delete(backing);
            return null;
        }
        return new FileLoopDevice(device, backing, size);
    }

    /// <summary>sysfs queue attribute of this device, such as "dma_alignment".</summary>
    public int QueueAttribute(string name) =>
        int.Parse(File.ReadAllText($"/sys/block/{System.IO.Path.GetFileName(Path)}/queue/{name}").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes a writable sysfs queue attribute of this device, such as "max_sectors_kb".</summary>
    public void SetQueueAttribute(string name, int value) =>
        File.WriteAllText($"/sys/block/{System.IO.Path.GetFileName(Path)}/queue/{name}", value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose()
    {
        // A device still open elsewhere detaches when it is closed (losetup -d sets autoclear).
        FileShell.Run("losetup", "-d", Path);
        try
        {
            File.Delete(BackingFile);
        }
        catch (IOException)
        {
            // Best effort: a leftover sparse file in /tmp must not fail the test.
        }
    }
}
