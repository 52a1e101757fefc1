// Follows fio's init.c (add_job's log setup, gen_log_name) in meaning, not in code.
using PinIo.Cli.Options;

namespace PinIo.Cli.Logs;

/// <summary>What a log writes for a log_avg_msec window (fio's log_max_value: IO_LOG_SAMPLE_AVG, _MAX, _BOTH).</summary>
internal enum WindowValue
{
    Mean = 0,
    Max = 1,

    /// <summary>The mean, then the maximum in a column of its own.</summary>
    MeanAndMax = 2,
}

/// <summary>
/// A job's logs, named as fio's add_job names them: write_lat_log=PREFIX gives PREFIX_lat.N.log,
/// PREFIX_clat.N.log and PREFIX_slat.N.log, write_bw_log PREFIX_bw.N.log and write_iops_log
/// PREFIX_iops.N.log, where N is the job's number (fio's thread_number: from 1, over every job
/// and clone of the run) and is left out with per_job_logs=0. An empty PREFIX (the option
/// given without a value) is the job's name. Paths are taken as written, from the working
/// directory: fio's logs do not go to directory=.
/// </summary>
internal sealed record LogPlan
{
    public static LogPlan None { get; } = new();

    /// <summary>The job the logs are of, for messages.</summary>
    public string JobName { get; init; } = "";

    public string? LatPath { get; init; }

    public string? ClatPath { get; init; }

    public string? SlatPath { get; init; }

    public string? BwPath { get; init; }

    public string? IopsPath { get; init; }

    /// <summary>log_avg_msec: the window of one line per direction; 0 logs every I/O.</summary>
    public int AvgMsec { get; init; }

    public WindowValue WindowValue { get; init; }

    /// <summary>log_offset: each line carries the I/O's byte offset in the target.</summary>
    public bool Offsets { get; init; }

    /// <summary>log_prio: the priority column holds each I/O's ioprio value (0x%04x); else 1 for a realtime-class I/O, 0 otherwise.</summary>
    public bool Prio { get; init; }

    /// <summary>
    /// per_job_logs=0: the file is opened for appending, as fio's flush_log opens it with "a",
    /// so that the jobs sharing a prefix add to one file (and what an earlier run wrote stays).
    /// </summary>
    public bool Append { get; init; }

    public bool Any => LatPath is not null || BwPath is not null || IopsPath is not null;

    /// <summary>Every file the job writes.</summary>
    public IEnumerable<string> Paths() =>
        new[] { LatPath, ClatPath, SlatPath, BwPath, IopsPath }.OfType<string>();

    public static LogPlan Resolve(JobOptions o, string jobName, int jobNumber)
    {
        if (o.Get(Opt.WriteLatLog) is null && o.Get(Opt.WriteBwLog) is null && o.Get(Opt.WriteIopsLog) is null)
        {
            return None;
        }
        return new LogPlan
        {
            JobName = jobName,
            LatPath = Name(o.Get(Opt.WriteLatLog), "lat"),
            ClatPath = Name(o.Get(Opt.WriteLatLog), "clat"),
            SlatPath = Name(o.Get(Opt.WriteLatLog), "slat"),
            BwPath = Name(o.Get(Opt.WriteBwLog), "bw"),
            IopsPath = Name(o.Get(Opt.WriteIopsLog), "iops"),
            AvgMsec = o.Get(Opt.LogAvgMsec),
            WindowValue = (WindowValue)o.Get(Opt.LogMaxValue),
            Offsets = o.Get(Opt.LogOffset),
            Prio = o.Get(Opt.LogPrio),
            Append = !o.Get(Opt.PerJobLogs),
        };

        string? Name(string? prefix, string kind)
        {
            if (prefix is null)
            {
                return null;
            }
            string stem = prefix.Length == 0 ? jobName : prefix;
            return o.Get(Opt.PerJobLogs) ? $"{stem}_{kind}.{jobNumber}.log" : $"{stem}_{kind}.log";
        }
    }
}
