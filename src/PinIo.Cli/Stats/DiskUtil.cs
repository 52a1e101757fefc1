using System.Diagnostics;
using System.Globalization;

namespace PinIo.Cli.Stats;

/// <summary>A block device's counters from its sysfs <c>stat</c> file (Documentation/block/stat.rst).</summary>
internal readonly record struct DiskCounters(
    long ReadIos,
    long ReadMerges,
    long ReadSectors,
    long ReadTicks,
    long WriteIos,
    long WriteMerges,
    long WriteSectors,
    long WriteTicks,
    long IoTicks,
    long TimeInQueue)
{
    public static DiskCounters operator -(DiskCounters end, DiskCounters start) => new(
        end.ReadIos - start.ReadIos,
        end.ReadMerges - start.ReadMerges,
        end.ReadSectors - start.ReadSectors,
        end.ReadTicks - start.ReadTicks,
        end.WriteIos - start.WriteIos,
        end.WriteMerges - start.WriteMerges,
        end.WriteSectors - start.WriteSectors,
        end.WriteTicks - start.WriteTicks,
        end.IoTicks - start.IoTicks,
        end.TimeInQueue - start.TimeInQueue);

    /// <summary>Parses the eleven (or more) fields of a sysfs block stat line.</summary>
    public static bool TryParse(string line, out DiskCounters counters)
    {
        counters = default;
        string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 11)
        {
            return false;
        }
        var v = new long[11];
        for (int i = 0; i < 11; i++)
        {
            if (!long.TryParse(f[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out v[i]))
            {
                return false;
            }
        }
        // Fields: read I/Os, merges, sectors, ticks; write I/Os, merges, sectors, ticks; in flight; io_ticks; time_in_queue.
        counters = new DiskCounters(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[9], v[10]);
        return true;
    }
}

/// <summary>What a block device did during the run (fio's disk_util): its counters' difference and how busy it was.</summary>
internal sealed record DiskUtil(string Name, DiskCounters Counters, long ElapsedMs)
{
    /// <summary>Share of the run the device had I/O in flight, at most 100.</summary>
    public double UtilPercent => ElapsedMs > 0 ? Math.Min(100.0, Counters.IoTicks * 100.0 / ElapsedMs) : 0;
}

/// <summary>
/// Watches the block devices under the jobs' files, as fio's diskutil.c does: the device a
/// path is on is found from <c>/proc/self/mountinfo</c> (or the path is a block device), its
/// counters read from <c>/sys/dev/block/MAJOR:MINOR/stat</c> before and after the run. Files on
/// memory file systems (tmpfs, overlay without a device) and pinio's RAM disk have no device
/// and are left out, as fio leaves them out. The counters are the device's, over the whole run
/// (the layout of a new file included) and whoever else used it.
/// </summary>
internal sealed class DiskWatch
{
    private readonly List<(string Name, string StatPath, DiskCounters Start)> _devices = [];
    private readonly long _start = Stopwatch.GetTimestamp();

    public DiskWatch(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            if (Locate(path) is not (string name, string stat) || _devices.Any(d => d.StatPath == stat))
            {
                continue;
            }
            if (TryRead(stat, out DiskCounters counters))
            {
                _devices.Add((name, stat, counters));
            }
        }
    }

    /// <summary>Each watched device's counters since the watch began.</summary>
    public IReadOnlyList<DiskUtil> Finish()
    {
        long elapsedMs = (Stopwatch.GetTimestamp() - _start) * 1000 / Stopwatch.Frequency;
        var result = new List<DiskUtil>();
        foreach ((string name, string stat, DiskCounters start) in _devices)
        {
            if (TryRead(stat, out DiskCounters end))
            {
                result.Add(new DiskUtil(name, end - start, elapsedMs));
            }
        }
        return result;
    }

    /// <summary>The device name and sysfs stat file of the block device <paramref name="path"/> is (or is on), or null.</summary>
    public static (string Name, string StatPath)? Locate(string path)
    {
        try
        {
            string full = Path.GetFullPath(path);
            if (full.StartsWith("/dev/", StringComparison.Ordinal) && File.Exists(full))
            {
                string name = Path.GetFileName(new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full);
                string stat = $"/sys/class/block/{name}/stat";
                return File.Exists(stat) ? (name, stat) : null;
            }
            string? device = MountDevice(full);
            if (device is null || device.StartsWith("0:", StringComparison.Ordinal))
            {
                return null;
            }
            string sys = $"/sys/dev/block/{device}";
            if (!File.Exists(Path.Combine(sys, "stat")))
            {
                return null;
            }
            string? target = new DirectoryInfo(sys).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
            return (Path.GetFileName(target ?? device), Path.Combine(sys, "stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>"MAJOR:MINOR" of the mount whose mount point is the longest prefix of <paramref name="fullPath"/>.</summary>
    private static string? MountDevice(string fullPath)
    {
        string? best = null;
        int bestLength = -1;
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            // id parent MAJOR:MINOR root mountpoint options ... - fstype source superoptions
            string[] f = line.Split(' ');
            if (f.Length < 5)
            {
                continue;
            }
            string mountPoint = f[4].Replace("\\040", " ", StringComparison.Ordinal);
            bool under = mountPoint == "/" || fullPath == mountPoint || fullPath.StartsWith(mountPoint + "/", StringComparison.Ordinal);
            if (under && mountPoint.Length >= bestLength)
            {
                best = f[2];
                bestLength = mountPoint.Length;
            }
        }
        return best;
    }

    private static bool TryRead(string statPath, out DiskCounters counters)
    {
        try
        {
            return DiskCounters.TryParse(File.ReadAllText(statPath), out counters);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            counters = default;
            return false;
        }
    }
}
