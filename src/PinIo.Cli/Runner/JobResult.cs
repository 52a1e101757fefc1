using PinIo.Cli.Jobs;
using PinIo.Cli.Stats;
using PinIo.Cli.Verify;

namespace PinIo.Cli.Runner;

/// <summary>What one job thread did: its counters, the CPU and pins over its run, and how it ended.</summary>
internal sealed record JobResult
{
    /// <summary>fio's error for a verification failure: EILSEQ.</summary>
    public const int VerifyErrno = 84;

    public required JobPlan Plan { get; init; }

    public required JobStats Stats { get; init; }

    public required CpuUsage Cpu { get; init; }

    public required PinCounts Pins { get; init; }

    /// <summary>Milliseconds of I/O, every phase (fio's total_run_time).</summary>
    public required long RuntimeMs { get; init; }

    public required DateTime FinishedAt { get; init; }

    /// <summary>Stopwatch timestamps of the start of the job's first phase after layout (ramp included) and of its end: the order of stonewalled jobs.</summary>
    public long StartTimestamp { get; init; }

    public long EndTimestamp { get; init; }

    /// <summary>0, or the errno that stopped the job (EILSEQ for a verify failure, as fio).</summary>
    public int Error { get; init; }

    public string? ErrorText { get; init; }

    /// <summary>The first verification mismatch (fio stops at it with verify_fatal; pinio goes on checking otherwise).</summary>
    public VerifyFailure? VerifyFailure { get; init; }

    /// <summary>The first mismatches, up to 16, in the order found.</summary>
    public IReadOnlyList<VerifyFailure> VerifyFailures { get; init; } = [];

    /// <summary>Blocks that failed verification.</summary>
    public long VerifyMismatches { get; init; }

    /// <summary>The CPUs the job's thread was allowed to run on at its end (sched_getaffinity); null when the job did not run on a thread of its own.</summary>
    public IReadOnlyList<int>? Cpus { get; init; }

    /// <summary>continue_on_error (or ignore_error) was on: the reports add total_err and first_error.</summary>
    public bool ContinuesOnError { get; init; }

    /// <summary>Errors the job went on past (fio's total_err_count).</summary>
    public long TotalErrors { get; init; }

    /// <summary>The errno of the first of them (fio's first_error).</summary>
    public int FirstError { get; init; }

    /// <summary>Device flushes issued (fsync=, fdatasync=, end_fsync).</summary>
    public long Flushes { get; init; }

    /// <summary>zonemode=zbd writes or trims: the zones the job reset (fio's nr_zone_resets); null when the job does not count them (fio's count_zone_resets).</summary>
    public long? ZoneResets { get; init; }

    /// <summary>steadystate's window and whether it was attained (the group's under group_reporting); null without steadystate.</summary>
    public SteadyStateResult? SteadyState { get; init; }

    /// <summary>latency_target's queue depth; null without latency_target (fio reports iodepth then).</summary>
    public int? LatencyDepth { get; init; }
}
