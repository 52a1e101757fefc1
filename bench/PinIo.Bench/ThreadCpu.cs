using System.Globalization;

namespace PinIo.Bench;

/// <summary>
/// User and system CPU of the process's threads of one name (/proc/self/task/*/stat, in clock
/// ticks): with inline completions every step of the caller's loop runs on the ring's
/// "pinio-uring" thread, so its CPU per I/O is the loop's own, free of the JIT's and the
/// GC's background threads that the process's CPU includes.
/// </summary>
internal static class ThreadCpu
{
    private const double TicksPerSecond = 100; // USER_HZ

    /// <summary>Seconds of user and system time of every thread named <paramref name="comm"/>; null where /proc cannot tell.</summary>
    public static (double User, double Sys)? Of(string comm)
    {
        double user = 0, sys = 0;
        bool found = false;
        try
        {
            foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') != comm)
                {
                    continue;
                }
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
                string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                user += long.Parse(f[11], CultureInfo.InvariantCulture) / TicksPerSecond;
                sys += long.Parse(f[12], CultureInfo.InvariantCulture) / TicksPerSecond;
                found = true;
            }
        }
        catch (IOException)
        {
            return null;
        }
        return found ? (user, sys) : null;
    }
}
