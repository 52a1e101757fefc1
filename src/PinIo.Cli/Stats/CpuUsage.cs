using System.Diagnostics;
using System.Globalization;

namespace PinIo.Cli.Stats;

/// <summary>
/// CPU and scheduling counters at one moment, the getrusage(2) fields fio reports: user and
/// system time, context switches, minor and major faults. <see cref="ForThread"/> reads the
/// calling thread alone (fio's per-job figures: a job that drives its own I/O — a polled ring,
/// a synchronous syscall, an inline RAM disk — does all its work on its thread, the kernel's
/// share of io_uring included). <see cref="ForProcess"/> reads the whole process, for jobs whose
/// completions run on other threads (a device thread, .NET's thread pool): each such job's
/// figures are then the whole process's over that job's run.
/// </summary>
internal readonly record struct CpuUsage(TimeSpan User, TimeSpan System, long ContextSwitches, long MinorFaults, long MajorFaults, bool PerThread)
{
    /// <summary>The counters of the calling thread, or of the process when the thread's cannot be read.</summary>
    public static CpuUsage ForThread()
    {
        int? tid = CurrentThreadId();
        using Process self = Process.GetCurrentProcess();
        foreach (ProcessThread thread in self.Threads)
        {
            using (thread)
            {
                if (thread.Id == tid)
                {
                    (long minor, long major) = ReadFaults("/proc/thread-self/stat");
                    return new CpuUsage(thread.UserProcessorTime, thread.PrivilegedProcessorTime,
                        ReadTaskSwitches("/proc/thread-self/status"), minor, major, PerThread: true);
                }
            }
        }
        return ForProcess();
    }

    public static CpuUsage ForProcess()
    {
        using Process self = Process.GetCurrentProcess();
        (long minor, long major) = ReadFaults("/proc/self/stat");
        return new CpuUsage(self.UserProcessorTime, self.PrivilegedProcessorTime, ReadProcessSwitches(), minor, major, PerThread: false);
    }

    public static CpuUsage operator -(CpuUsage end, CpuUsage start) => new(
        end.User - start.User,
        end.System - start.System,
        Math.Max(0, end.ContextSwitches - start.ContextSwitches),
        end.MinorFaults - start.MinorFaults,
        end.MajorFaults - start.MajorFaults,
        end.PerThread && start.PerThread);

    /// <summary>The kernel's id of the calling thread: /proc/thread-self links to "PID/task/TID".</summary>
    private static int? CurrentThreadId()
    {
        try
        {
            string? link = new FileInfo("/proc/thread-self").LinkTarget;
            return link is not null && int.TryParse(Path.GetFileName(link), NumberStyles.None, CultureInfo.InvariantCulture, out int tid) ? tid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static (long Minor, long Major) ReadFaults(string statPath)
    {
        try
        {
            string stat = File.ReadAllText(statPath);
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

    /// <summary>
    /// Switches summed over /proc/self/task/*/status: live threads only (a thread that exited
    /// during the run takes its switches with it).
    /// </summary>
    private static long ReadProcessSwitches()
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
