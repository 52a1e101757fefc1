using System.Diagnostics;

namespace PinIo.Cli.Stats;

/// <summary>Where a job is, as the progress line shows it (fio's runstate, reduced to what pinio's jobs go through).</summary>
internal enum JobPhase
{
    /// <summary>Not started (fio's 'P').</summary>
    Pending = 0,

    /// <summary>Writing its region so that reads return data; not measured (fio's 'I', setting up).</summary>
    LayingOut,

    /// <summary>The measured phase (fio's 'r', 'R', 'w', 'W', 'm' or 'M').</summary>
    Running,

    /// <summary>Reading back what it wrote (fio's 'V').</summary>
    Verifying,

    /// <summary>Finished (fio's '_').</summary>
    Done,
}

/// <summary>A job's live counters at one moment (see <see cref="JobProgress.Snapshot"/>).</summary>
internal readonly record struct JobProgressSnapshot(
    JobPhase Phase,
    long ReadBytes,
    long WriteBytes,
    long ReadIos,
    long WriteIos,
    long StartedAt,
    long TakenAt,
    long TrimBytes = 0,
    long TrimIos = 0)
{
    public long Bytes => ReadBytes + WriteBytes + TrimBytes;

    /// <summary>Seconds since the measured phase began, rounded up as fio rounds a job's elapsed time; 0 before it.</summary>
    public long ElapsedSeconds => StartedAt == 0 ? 0 : ((TakenAt - StartedAt) * 1000 / Stopwatch.Frequency + 999) / 1000;
}

/// <summary>
/// A job's live counters for the progress line: bytes and I/Os completed per direction in the
/// measured phases, the phase, and when the measured phase began. The job's thread is the only
/// writer (it completes every I/O), so an update is a plain add published with a volatile
/// write, no lock and no allocation; the progress thread reads with volatile reads and may see
/// one direction a completion later than the other, which a once-a-second rate does not mind.
/// Whoever starts the run makes one per job and hands it to both the job's runner and the
/// progress printer.
/// </summary>
internal sealed class JobProgress
{
    private long _readBytes;
    private long _writeBytes;
    private long _readIos;
    private long _writeIos;
    private long _trimBytes;
    private long _trimIos;
    private long _startedAt;
    private int _phase;

    public JobPhase Phase => (JobPhase)Volatile.Read(ref _phase);

    public void BeginPhase(JobPhase phase)
    {
        if (phase == JobPhase.Running && Volatile.Read(ref _startedAt) == 0)
        {
            Volatile.Write(ref _startedAt, Stopwatch.GetTimestamp());
        }
        Volatile.Write(ref _phase, (int)phase);
    }

    /// <summary>One I/O of a measured phase completed. Job thread only.</summary>
    public void Completed(IoDir dir, long bytes)
    {
        if (dir == IoDir.Trim)
        {
            Volatile.Write(ref _trimBytes, _trimBytes + bytes);
            Volatile.Write(ref _trimIos, _trimIos + 1);
        }
        else if (dir == IoDir.Write)
        {
            Volatile.Write(ref _writeBytes, _writeBytes + bytes);
            Volatile.Write(ref _writeIos, _writeIos + 1);
        }
        else
        {
            Volatile.Write(ref _readBytes, _readBytes + bytes);
            Volatile.Write(ref _readIos, _readIos + 1);
        }
    }

    public void Finish() => Volatile.Write(ref _phase, (int)JobPhase.Done);

    public JobProgressSnapshot Snapshot() => new(
        Phase,
        Volatile.Read(ref _readBytes),
        Volatile.Read(ref _writeBytes),
        Volatile.Read(ref _readIos),
        Volatile.Read(ref _writeIos),
        Volatile.Read(ref _startedAt),
        Stopwatch.GetTimestamp(),
        Volatile.Read(ref _trimBytes),
        Volatile.Read(ref _trimIos));
}
