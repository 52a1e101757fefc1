// Follows fio's engines/cpu.c in meaning: each I/O burns a cycle of CPU, then the job thinks.
using System.Diagnostics;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// ioengine=cpuio: no I/O. Each "I/O" burns the CPU — cpumode=noop spins for cpuchunks µs,
/// cpumode=qsort sorts 256K integers four ways and takes the time that took as its chunk — and
/// is followed by a sleep of chunk × (100 − cpuload) / cpuload, fio's thinktime for the engine,
/// so that the job's thread is busy cpuload percent of the time. The burn is the I/O's latency;
/// the sleep lies between I/Os and never runs past the job's runtime.
/// </summary>
internal sealed class CpuEngine : IJobEngine, ITimedEngine
{
    /// <summary>fio's qsort buffer: 256K 32-bit integers.</summary>
    private const int SortLength = 256 * 1024;

    private readonly IoClock _clock;
    private readonly CpuMode _mode;
    private readonly int _load;
    private readonly int[]? _sortData;
    private long _chunkTicks;
    private long _deadline = long.MaxValue;
    private CancellationToken _ct;

    public CpuEngine(JobPlan plan, IoClock clock)
    {
        _clock = clock;
        _mode = plan.Get(Opt.CpuMode);
        _load = Math.Min(100, plan.Get(Opt.CpuLoad));
        _chunkTicks = IoClock.UsToTicks(plan.Get(Opt.CpuChunks));
        if (_mode == CpuMode.Qsort)
        {
            _sortData = new int[SortLength];
            var random = new Random(521288629);
            for (int i = 0; i < _sortData.Length; i++)
            {
                _sortData[i] = random.Next(int.MinValue, int.MaxValue);
            }
        }
    }

    public bool Done => false;

    public void BeginPhase(long deadline, CancellationToken ct)
    {
        _deadline = deadline;
        _ct = ct;
    }

    public void EndPhase()
    {
    }

    public IoStart Start(IoSlot slot, out Exception? error)
    {
        error = null;
        long start = Stopwatch.GetTimestamp();
        if (_mode == CpuMode.Noop)
        {
            Pause.SpinUntil(Math.Min(start + _chunkTicks, _deadline), _ct);
        }
        else
        {
            Sort();
            // fio re-times its chunk after each sort, so the sleep follows how long sorting takes now.
            _chunkTicks = Stopwatch.GetTimestamp() - start;
        }
        slot.SubmittedAt = _clock.Stamp(slot);
        DisklessEngines.Sleep(_chunkTicks * (100 - _load) / _load, _deadline, _ct);
        return IoStart.Completed;
    }

    public long Finish(IoSlot slot) => 0;

    public ValueTask FlushAsync() => ValueTask.CompletedTask;

    /// <summary>fio's four sorts: ascending, descending, by bytes, descending again.</summary>
    private void Sort()
    {
        Span<int> data = _sortData;
        data.Sort();
        data.Sort(static (a, b) => b.CompareTo(a));
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(data).Sort();
        data.Sort(static (a, b) => b.CompareTo(a));
    }
}
