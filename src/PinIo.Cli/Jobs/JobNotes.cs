using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>What pinio does differently from fio for a job's options, one line each, printed before the run (as fio prints its notes).</summary>
internal static class JobNotes
{
    public static void AddEngineNotes(JobOptions o, Target target, List<string> notes)
    {
        bool ring = target is FileTarget { Engine: IoEngine.IoUring, Dotnet: false };
        if (o.Get(Opt.SqThreadPoll) && !ring)
        {
            notes.Add(target is RamTarget
                ? "sqthread_poll: a ram: target has no ring (PinIo's RAM disk takes its bios directly), so no kernel submission thread runs"
                : $"sqthread_poll: ioengine={o.Get(Opt.IoEngine).FioName()} has no ring; only io_uring starts a kernel submission thread");
        }
        if (o.Get(Opt.HiPri) && !ring)
        {
            notes.Add(target is RamTarget
                ? "hipri: a ram: target has no ring and no device queue to poll; completions arrive as without hipri"
                : $"hipri: ioengine={o.Get(Opt.IoEngine).FioName()} does not poll (fio's pvsync2 would pass RWF_HIPRI); only io_uring polls, with IORING_SETUP_IOPOLL");
        }
        if (o.Get(Opt.IoEngine) == IoEngineKind.Libaio && target is RamTarget)
        {
            notes.Add("ioengine=libaio: a ram: target has no file descriptor for Linux AIO; its RAM disk completes asynchronously, as for io_uring");
        }
        if (o.Get(Opt.FixedBufs) && o.Get(Opt.IoEngine) == IoEngineKind.Dotnet)
        {
            notes.Add("fixedbufs: ioengine=dotnet has no registered buffers; ordinary pinned memory is used");
        }
        if (target is FileTarget { IsCharDevice: true })
        {
            notes.Add($"filename={target.Filename} is a character device: PinIo's Direct I/O takes files and block devices, so the job's I/O is plain pread/pwrite through .NET RandomAccess, as fio's psync");
        }
        if (o.Get(Opt.IoEngine) == IoEngineKind.Exec && o.Get(Opt.ExecProgram) is { Length: > 0 } program && ExecCommand.Resolve(program) is null)
        {
            notes.Add($"ioengine=exec: program={program} is not an executable file (nor found in PATH): the job runs for its runtime without it, as fio's does");
        }
        if (target is RamTarget && o.Get(Opt.Sync) != SyncMode.None)
        {
            notes.Add("sync: a ram: target has no cache to write through; writes are durable on completion already");
        }
        if (target is RamTarget && o.Get(Opt.VerifyOnly))
        {
            notes.Add("verify_only on a ram: target: the disk starts empty, so only a write earlier in this run on the same disk can be checked");
        }
        if (o.Get(Opt.Sync) == SyncMode.Sync && target is FileTarget)
        {
            notes.Add("sync=1: opened with O_DSYNC (data and what reads it need), not O_SYNC: PinIo's FileDevice offers O_DSYNC");
        }
    }

    public static void AddLogNotes(JobOptions o, List<string> notes)
    {
        if (o.Get(Opt.WriteBwLog) is not null || o.Get(Opt.WriteIopsLog) is not null)
        {
            // fio's add_job sets bw_avg_time and iops_avg_time to log_avg_msec when these logs are on.
            notes.Add("write_bw_log/write_iops_log: the report's bw and iops lines keep their 500 ms samples; fio's take the log's (one per I/O, or per log_avg_msec window)");
        }
        if (!o.Get(Opt.PerJobLogs) && o.Get(Opt.NumJobs) > 1 && (o.Get(Opt.WriteLatLog) ?? o.Get(Opt.WriteBwLog) ?? o.Get(Opt.WriteIopsLog)) is not null)
        {
            notes.Add("per_job_logs=0: the clones' lines reach their shared file in chunks as the clones run, not one whole job after another as fio writes them");
        }
    }
}
