using PinIo.Linux;

namespace PinIo.Tests.Linux;

/// <summary>Finds block device nodes in /dev for tests that need a real one (read-only use).</summary>
internal static class BlockDevices
{
    public static string? FindNode(uint major, uint minor)
    {
        foreach (string path in Candidates())
        {
            if (StatxInfo.TryGet(path, out StatxInfo info) == 0 && info.IsBlockDevice
                && info.RdevMajor == major && info.RdevMinor == minor)
            {
                return path;
            }
        }

        return null;
    }

    public static string? FindAnyNode() => FindAllNodes().FirstOrDefault();

    public static IEnumerable<string> FindAllNodes() =>
        Candidates().Where(path => StatxInfo.TryGet(path, out StatxInfo info) == 0 && info.IsBlockDevice);

    /// <summary>The device that holds <paramref name="path"/>'s file system, when /dev has a node for it.</summary>
    public static string? FindNodeHolding(string path)
    {
        return StatxInfo.TryGet(path, out StatxInfo info) == 0 ? FindNode(info.DevMajor, info.DevMinor) : null;
    }

    private static IEnumerable<string> Candidates() =>
        Directory.Exists("/dev") ? Directory.EnumerateFiles("/dev") : [];
}
