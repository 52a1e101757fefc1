// Follows fio's backend.c (fork_main: a thread that cannot be created ends the run; startdelay) in meaning.
using System.Diagnostics;
using System.Globalization;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner;

/// <summary>
/// The edges of a segment's job threads: a thread the system will not create (out of threads
/// or memory) ends the run with one line naming what to change, after the threads already
/// started are stopped and joined; and startdelay's wait, which may be longer than one wait
/// call takes (2^31 ms).
/// </summary>
internal static class JobThreads
{
    /// <summary>Starts <paramref name="thread"/> with <paramref name="start"/>; false, with the reason, when the system cannot create it.</summary>
    public static bool TryStart(Thread thread, Action<Thread> start, out Exception? failure)
    {
        try
        {
            start(thread);
            failure = null;
            return true;
        }
        catch (Exception e) when (e is OutOfMemoryException or ThreadStartException)
        {
            failure = e;
            return false;
        }
    }

    /// <summary>
    /// After thread <paramref name="started"/> could not be started: stops the threads before it
    /// (the stop lets them through the start gate without the rest) and waits for them, so that
    /// nothing runs on devices about to be closed.
    /// </summary>
    public static void Unwind(Thread[] threads, int started, CancellationTokenSource stopRun)
    {
        stopRun.Cancel();
        for (int i = 0; i < started; i++)
        {
            threads[i].Join();
        }
    }

    public static OptionException StartFailed(JobPlan plan, int started, int total, Exception? failure) =>
        new(string.Create(CultureInfo.InvariantCulture,
            $"pinio: job '{plan.Name}': cannot start its thread ({started} of {total} job threads started: {failure?.Message.TrimEnd('.')}): the system is out of threads or memory; run fewer jobs (numjobs=, fewer job sections) or raise the limit (ulimit -u, /proc/sys/kernel/threads-max)"),
            failure ?? new InvalidOperationException("thread start failed"));

    /// <summary>startdelay: waits <paramref name="us"/> microseconds, or until <paramref name="ct"/> is canceled; any length.</summary>
    public static void Delay(long us, CancellationToken ct)
    {
        if (us <= 0)
        {
            return;
        }
        long start = Stopwatch.GetTimestamp();
        while (!ct.IsCancellationRequested)
        {
            long elapsedUs = (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            long leftUs = us - elapsedUs;
            if (leftUs <= 0)
            {
                return;
            }
            ct.WaitHandle.WaitOne((int)Math.Min(int.MaxValue - 1, (leftUs / 1000) + 1));
        }
    }
}
