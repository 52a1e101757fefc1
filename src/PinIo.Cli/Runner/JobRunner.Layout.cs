// Follows fio's filesetup.c (extend_file: "Laying out IO file") and file_invalidate_cache in meaning, not in code.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Cli.Runner;

/// <summary>Before the measured phases: the region laid out, a buffered reader's warm-up, the cache dropped.</summary>
internal sealed partial class JobRunner
{
    /// <summary>
    /// A layout whose data nobody checks: the region written in 1 MiB pieces, one at a time,
    /// from pool pages of its own (so nothing is pinned per I/O), however small the job's blocks.
    /// Returns whether the whole region was written.
    /// </summary>
    private bool LayOutQuickly(CancellationToken ct)
    {
        const int Chunk = 1 << 20;
        using var pool = new PagePool(Chunk / PageSize.Bytes);
        BlockBuffer buffer = BlockBuffer.FromPool(pool, Chunk) ?? throw new InvalidOperationException("a fresh page pool has no run of pages for the layout buffer");
        try
        {
            _data.Fill(buffer.Span);
            IovIter iter = buffer.WriteIter;
            foreach ((long start, long bytes) in LayoutExtents())
            {
                for (long offset = 0; offset < bytes && _loop.Error is null && !ct.IsCancellationRequested; offset += Chunk)
                {
                    int length = (int)Math.Min(Chunk, bytes - offset);
                    _data.Renew(buffer.Span[..length], start + offset);
                    BlockBuffer.Shorten(iter, length);
                    try
                    {
                        _loop.Completions.Wait(_io!.WriteAsync(start + offset, iter));
                    }
                    catch (DirectIoException e)
                    {
                        _loop.Fail(e);
                    }
                    finally
                    {
                        BlockBuffer.Rewind(iter);
                    }
                }
            }
        }
        finally
        {
            buffer.Release();
        }
        return _loop.Error is null && !ct.IsCancellationRequested;
    }

    /// <summary>Where the layout writes: the region, or each file's that needs one (a file set's, in its offset space).</summary>
    private IEnumerable<(long Start, long Bytes)> LayoutExtents() => _plan.Target is FileSetTarget set
        ? set.Files.Select((file, i) => (Start: ((long)i << FileSetTarget.FileShift) + _plan.Offset, Bytes: set.Regions[i] / _plan.Grain * _plan.Grain, file.NeedsLayout))
            .Where(extent => extent.NeedsLayout).Select(extent => (extent.Start, extent.Bytes))
        : [(_plan.Offset, _plan.Size)];

    /// <summary>
    /// A buffered reading job whose cache is dropped before it starts (invalidate=1) first reads
    /// up to <see cref="WarmUpBytes"/> of its region in its block size, unmeasured: pinio compiles
    /// each method at its first call (no tiered JIT), and the page cache's read path — lookups,
    /// misses, read-ahead windows and their completions — compiled inside the measured time
    /// (~60 ms on a 1 GiB cold read, the device idle meanwhile). The pages read are dropped with
    /// the rest, so the job still starts cold.
    /// </summary>
    private void WarmUpBufferedReads()
    {
        if (_buffered is null || !_plan.Rw.HasReads() || _plan.Target is not VolumeTarget { Invalidate: true } || _loop.Error is not null)
        {
            return;
        }
        Memory<byte> memory = _slots.All[0].Buffer.Memory[.._plan.Bs.Read.Min];
        long end = _plan.Offset + Math.Min(_plan.Size, WarmUpBytes);
        try
        {
            for (long offset = _plan.Offset; offset + memory.Length <= end; offset += memory.Length)
            {
                _buffered.ReadBufferedAsync(offset, memory).AsTask().GetAwaiter().GetResult();
            }
        }
        catch (DirectIoException e)
        {
            _loop.Fail(e);
        }
    }

    /// <summary>Two read-ahead windows of 8 MiB: far enough to start one and to wait for it.</summary>
    private const long WarmUpBytes = 16 << 20;

    /// <summary>invalidate=1 on a buffered Volume file: its cached pages dropped before the job starts, as fio's file_invalidate_cache.</summary>
    private void InvalidateCache()
    {
        if (_buffered is null || _plan.Target is not VolumeTarget { Invalidate: true })
        {
            return;
        }
        try
        {
            _buffered.InvalidateCacheAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (DirectIoException e)
        {
            _loop.Fail(e);
        }
    }
}
