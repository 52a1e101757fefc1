// Follows fio's engines/mmap.c in meaning: the job's file mapped, each I/O a copy to or from the mapping.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Linux;

namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// ioengine=mmap: the job's region of its file mapped shared (<see cref="FileMapping"/>) once,
/// with fio's read-ahead advice (fadvise_hint); a read copies from the mapping into the slot's
/// buffer, a write copies into the mapping, so the data reaches the file through the page
/// cache. fsync is msync(MS_SYNC) of the mapping; with direct=1 each I/O's pages are written
/// back and dropped after it, as fio's "not really direct" does.
/// </summary>
internal sealed class MmapEngine : IJobEngine, IDisposable
{
    private readonly FileMapping _mapping;
    private readonly IoClock _clock;
    private readonly long _regionStart;
    private readonly bool _drop;

    public MmapEngine(DotnetFile file, JobPlan plan, IoClock clock)
    {
        _clock = clock;
        _regionStart = plan.Offset;
        _drop = plan.Get(Opt.Direct);
        FileMapping? mapping = null;
        try
        {
            mapping = FileMapping.Map(file.Handle, plan.Offset, plan.Size, writable: true, file.Path);
            if (Advice(plan) is int advice)
            {
                mapping.Advise(advice);
            }
        }
        catch (DirectIoException e)
        {
            mapping?.Dispose();
            throw new OptionException($"pinio: job '{plan.Name}': ioengine=mmap cannot map {file.Path}: {e.Message}", e);
        }
        _mapping = mapping;
    }

    public IoStart Start(IoSlot slot, out Exception? error)
    {
        error = null;
        try
        {
            Span<byte> mapped = _mapping.Slice(slot.Offset - _regionStart, slot.Length);
            Span<byte> buffer = slot.Buffer.Span[..slot.Length];
            if (slot.IsWrite)
            {
                buffer.CopyTo(mapped);
            }
            else
            {
                mapped.CopyTo(buffer);
            }
            if (_drop)
            {
                _mapping.Drop(slot.Offset - _regionStart, slot.Length);
            }
        }
        catch (DirectIoException e)
        {
            error = e;
            return IoStart.Failed;
        }
        slot.SubmittedAt = _clock.Stamp(slot);
        return IoStart.Completed;
    }

    public long Finish(IoSlot slot) => slot.Length;

    public ValueTask FlushAsync()
    {
        _mapping.Sync(0, _mapping.Length, wait: true);
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _mapping.Dispose();

    /// <summary>fio's madvise of the mapping by fadvise_hint: by default the job's pattern.</summary>
    private static int? Advice(JobPlan plan) => plan.Get(Opt.FadviseHint) switch
    {
        FadviseHint.None => null,
        FadviseHint.ByPattern => plan.Rw.IsRandom() ? Interop.MADV_RANDOM : Interop.MADV_SEQUENTIAL,
        FadviseHint.Sequential => Interop.MADV_SEQUENTIAL,
        FadviseHint.Random => Interop.MADV_RANDOM,
        _ => Interop.MADV_NORMAL,
    };
}
