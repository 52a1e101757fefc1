// Follows proc_meminfo_show (fs/proc/meminfo.c: MemAvailable) and the memory cgroup's limit files in meaning.
using System.Globalization;
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// The memory a run may still take: <c>MemAvailable</c> of <c>/proc/meminfo</c>, lowered to the
/// headroom of the process's memory cgroup when it has a limit. A <c>ram:</c> target is
/// allocated whole, and one larger than this would end in an OutOfMemoryException or the OOM
/// killer; so the RAM disks of a run are checked against it before any is allocated.
/// </summary>
internal static class AvailableMemory
{
    /// <summary>Bytes per grain of a job's verify log (Verify/BlockLog: a sequence, a back-offset, a count and a length).</summary>
    private const long BlockLogBytesPerGrain = sizeof(long) + (3 * sizeof(int));

    /// <summary>The bytes available now, or null when /proc/meminfo cannot tell.</summary>
    public static long? Bytes
    {
        get
        {
            long? available = MemInfoAvailable("/proc/meminfo");
            long? headroom = CgroupHeadroom();
            return available is long a && headroom is long h ? Math.Min(a, h) : available ?? headroom;
        }
    }

    /// <summary>
    /// Refuses a run that needs more memory than <see cref="Bytes"/>: its RAM disks (one per
    /// device key: jobs on one disk share it), and each job's I/O buffers (iodepth blocks) and
    /// verify log — named by the option to change, a job's own needs before the run's total.
    /// </summary>
    public static void Check(IReadOnlyList<JobPlan> plans)
    {
        if (Bytes is not long available)
        {
            return;
        }
        long jobs = 0;
        foreach (JobPlan plan in plans)
        {
            long buffers = BufferBytes(plan);
            long log = plan.Verify == VerifyKind.None ? 0 : Times(plan.Grains, BlockLogBytesPerGrain);
            if (Plus(buffers, log) > available)
            {
                throw new OptionException(buffers >= log
                    ? $"pinio: job '{plan.Name}': iodepth={plan.Get(Opt.IoDepth)} buffers of bs={plan.BlockSize} need {Binary(buffers)}, more memory than is available ({Binary(available)}, MemAvailable in /proc/meminfo): lower iodepth or bs"
                    : $"pinio: job '{plan.Name}': verify={plan.Verify.FioName()} over {Binary(plan.Size)} in {plan.Grain}-byte pieces needs a {Binary(log)} log, more memory than is available ({Binary(available)}, MemAvailable in /proc/meminfo): verify a smaller size or with larger blocks");
            }
            jobs = Plus(jobs, Plus(buffers, log));
        }
        RamTarget[] disks = [.. plans.Select(p => Innermost(p.Target)).OfType<RamTarget>().DistinctBy(t => t.DeviceKey)];
        long ram = disks.Aggregate(0L, (sum, disk) => Plus(sum, disk.Bytes));
        if (ram > 0 && Plus(ram, jobs) > available)
        {
            string names = string.Join(", ", disks.Select(d => d.Filename).Distinct(StringComparer.OrdinalIgnoreCase));
            string what = disks.Length == 1 ? "a RAM disk of" : $"{disks.Length} RAM disks of together";
            string buffers = jobs == 0 ? "" : $" (and {Binary(jobs)} of job buffers)";
            throw new OptionException(
                $"pinio: filename={names}: {what} {Binary(ram)}{buffers} need more memory than is available ({Binary(available)}, MemAvailable in /proc/meminfo): give a smaller ram: size");
        }
        if (jobs > available)
        {
            throw new OptionException($"pinio: the run's {plans.Count} jobs need {Binary(jobs)} of buffers, more memory than is available ({Binary(available)}, MemAvailable in /proc/meminfo): run fewer jobs (numjobs=) or lower iodepth or bs");
        }
    }

    /// <summary>A faulty: target's memory is that of the target it wraps.</summary>
    private static Target Innermost(Target target) => target is FaultTarget fault ? Innermost(fault.Inner) : target;

    private static long BufferBytes(JobPlan plan)
    {
        long stride = ((long)plan.BlockSize + Mm.PageSize.Bytes - 1) / Mm.PageSize.Bytes * Mm.PageSize.Bytes;
        return Times(stride, plan.Get(Opt.IoDepth));
    }

    private static long Times(long a, long b) => b != 0 && a > long.MaxValue / b ? long.MaxValue : a * b;

    private static long Plus(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    /// <summary>The MemAvailable line of a meminfo file, in bytes.</summary>
    internal static long? MemInfoAvailable(string path)
    {
        try
        {
            foreach (string line in File.ReadLines(path))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                {
                    continue;
                }
                string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length >= 2 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out long kib) ? kib * 1024 : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return null;
    }

    /// <summary>The memory cgroup's limit less its usage (cgroup v2, then v1), or null without a limit.</summary>
    private static long? CgroupHeadroom() =>
        Headroom("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current")
        ?? Headroom("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes");

    private static long? Headroom(string limitPath, string usagePath)
    {
        if (ReadNumber(limitPath) is not long limit || limit >= long.MaxValue / 2 || ReadNumber(usagePath) is not long usage)
        {
            return null;
        }
        return Math.Max(0, limit - usage);
    }

    private static long? ReadNumber(string path)
    {
        try
        {
            return File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Binary(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }
}
