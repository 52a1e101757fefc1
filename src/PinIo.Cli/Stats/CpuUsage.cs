using System.Diagnostics;
using System.Globalization;

namespace PinIo.Cli.Stats;

/// <summary>
/// Process CPU and scheduling counters at one moment, the getrusage(2) fields fio reports:
/// user and system time from <see cref="Process"/>, faults from <c>/proc/self/stat</c> (which
/// sums every thread, live or exited), context switches summed over
/// <c>/proc/self/task/*/status</c> (live threads only: a thread that exited during the run
/// takes its switches with it). Process-wide, where fio's are per job process: with several
/// jobs, each job's figures are the whole process's over that job's run.
/// </summary>
internal readonly record struct CpuUsage(TimeSpan User, TimeSpan System, long ContextSwitches, long MinorFaults, long MajorFaults)
{
    public static CpuUsage Now()
    {
        using Process self = Process.GetCurrentProcess();
        (long minor, long major) = ReadFaults();
        return new CpuUsage(self.UserProcessorTime, self.PrivilegedProcessorTime, ReadContextSwitches(), minor, major);
    }

    public static CpuUsage operator -(CpuUsage end, CpuUsage start) => new(
        end.User - start.User,
        end.System - start.System,
        Math.Max(0, end.ContextSwitches - start.ContextSwitches),
        end.MinorFaults - start.MinorFaults,
        end.MajorFaults - start.MajorFaults);

    private static (long Minor, long Major) ReadFaults()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            // The command name (field 2) may hold spaces: fields are counted after its ')'.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is field 3 (state): minflt is field 10, majflt field 12.
            return (long.Parse(fields[7], CultureInfo.InvariantCulture), long.Parse(fields[9], CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (0, 0);
        }
    }

    private static long ReadContextSwitches()
    {
        long total = 0;
        try
        {
            foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                total += ReadTaskSwitches(Path.Combine(task, "status"));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return total;
        }
        return total;
    }

    private static long ReadTaskSwitches(string statusPath)
    {
        long switches = 0;
        try
        {
            foreach (string line in File.ReadLines(statusPath))
            {
                if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)
                    || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                {
                    switches += long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // The thread exited between listing and reading: its switches are gone with it.
        }
        return switches;
    }
}
