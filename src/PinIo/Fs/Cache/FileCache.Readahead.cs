// Follows mm/readahead.c (page_cache_ra_unbounded: pages added locked and not uptodate, read without waiting) and mm/filemap.c (folio_wait_locked: a reader of such a page waits for its read).
using PinIo.Mm;

namespace PinIo.Fs;

/// <summary>
/// Fills in flight: the page ranges being read into new pages, each with the task a reader of
/// one of its pages waits on (the kernel's locked, not-uptodate folios). A reader waits only
/// for the fill holding the page it needs, never for the rest of a read-ahead window; a fill
/// that read nothing cacheable (an error, a Direct write meanwhile) leaves the reader to miss
/// and read for itself, which reports the error where read-ahead would have swallowed it.
/// </summary>
internal sealed partial class FileCache
{
    private readonly List<InFlightFill> _fills = [];

    /// <summary>
    /// The fill reading page <paramref name="index"/> now, to wait for; null when none does. A
    /// fill of read-ahead, or of a reader that asked for inline completion, ends on the thread
    /// that reaped its read — a device's completion thread —, any other on the thread pool; the
    /// task's awaiter goes on where the fill ended only with
    /// <see cref="DirectIoFlags.InlineCompletion"/> in <paramref name="flags"/>; any other waiter
    /// resumes on the thread pool, never on a thread whose blocking would stall the device.
    /// </summary>
    public Task? FillCovering(long index, DirectIoFlags flags = DirectIoFlags.None)
    {
        lock (_lock)
        {
            InFlightFill? fill = FillCoveringLocked(index);
            return fill is null ? null : (flags & DirectIoFlags.InlineCompletion) != 0 ? fill.DoneInline.Task : fill.Done.Task;
        }
    }

    /// <summary>
    /// page_cache_async_ra's reads: pages [<paramref name="index"/>, +<paramref name="max"/>)
    /// that are neither cached nor being read, as far as free pages allow without writeback
    /// (read-ahead never waits for memory), are read into new pages without waiting; readers
    /// of those pages wait for them (<see cref="FillCovering"/>). Returns the pages started.
    /// </summary>
    public int StartReadahead(long index, int max)
    {
        int count = MissingRun(index, max);
        if (count == 0)
        {
            return 0;
        }
        var pages = new Page[count];
        int allocated = 0;
        // One sweep of the clock for the whole window, rather than one per 32 pages as single allocations do.
        int shortBy = count - Cache.Pool.FreeCount;
        if (shortBy > 0)
        {
            Cache.EvictSome(shortBy);
        }
        try
        {
            allocated = TakeAdjacent(pages);
            while (allocated < count && Cache.TryAllocPage() is { } page)
            {
                pages[allocated++] = page;
            }
        }
        catch
        {
            // The pool went away under us (unmount): nothing is read ahead, no page is kept.
            for (int k = 0; k < allocated; k++)
            {
                pages[k].Put();
            }
            throw;
        }
        if (allocated == 0)
        {
            return 0;
        }
        if (allocated < count)
        {
            Array.Resize(ref pages, allocated);
        }
        Cache.TrackReadahead(RunFillAsync(index, pages, Register(index, allocated), throwErrors: false, DirectIoFlags.InlineCompletion, CancellationToken.None));
        return allocated;
    }

    /// <summary>
    /// Fills <paramref name="pages"/> with adjacent free pool pages when the pool has such a run
    /// (one pool lock for the whole fill, and one segment per huge page for its read); returns
    /// how many it took: all or none.
    /// </summary>
    private int TakeAdjacent(Page[] pages)
    {
        if (pages.Length < 2 || Cache.Pool.TryAllocContiguous(pages.Length) is not { } first)
        {
            return 0;
        }
        for (int k = 0; k < pages.Length; k++)
        {
            pages[k] = Cache.Pool[first.PoolIndex + k];
        }
        return pages.Length;
    }

    /// <summary>Registers a fill of pages [<paramref name="index"/>, +<paramref name="count"/>) (and counts it in <see cref="MayHavePages"/>).</summary>
    private InFlightFill Register(long index, int count)
    {
        var fill = new InFlightFill(index, count);
        // Counted before the generation is read: a Direct write that misses the count bumps it.
        BeginFill();
        lock (_lock)
        {
            fill.Generation = _generation;
            _fills.Add(fill);
        }
        return fill;
    }

    /// <summary>
    /// Reads into <paramref name="pages"/> (each with its allocation reference) and caches them,
    /// then lets the fill's waiters go. Owns the pages and the registration: every page is
    /// cached or put back, the fill leaves the registry, on every path.
    /// </summary>
    private async Task RunFillAsync(long index, Page[] pages, InFlightFill fill, bool throwErrors, DirectIoFlags flags, CancellationToken ct)
    {
        bool handedOver = false;
        try
        {
            await ReadIntoAsync(index, pages, flags, ct).ConfigureAwait(false);
            handedOver = true;
            InsertRun(index, pages, fill.Generation);
        }
        catch (Exception e) when (!throwErrors && e is DirectIoException or ObjectDisposedException or OperationCanceledException)
        {
            // Read-ahead is a hint: its failure caches nothing, and a reader that needs these pages reads them itself.
        }
        finally
        {
            if (!handedOver)
            {
                foreach (Page page in pages)
                {
                    page.Put();
                }
            }
            lock (_lock)
            {
                _fills.Remove(fill);
            }
            EndFill();
            fill.Done.TrySetResult();
            fill.DoneInline.TrySetResult();
        }
    }

    private InFlightFill? FillCoveringLocked(long index)
    {
        foreach (InFlightFill fill in _fills)
        {
            if (index >= fill.Start && index < fill.Start + fill.Count)
            {
                return fill;
            }
        }
        return null;
    }

    private bool IsFillingLocked(long index) => _fills.Count != 0 && FillCoveringLocked(index) is not null;

    /// <summary>One fill in flight: its pages, the mapping generation it began in, and what its readers wait on.</summary>
    private sealed class InFlightFill(long start, int count)
    {
        public long Start { get; } = start;

        public int Count { get; } = count;

        public long Generation { get; set; }

        /// <summary>What a waiter awaits: its continuation never runs on the thread that ends the fill.</summary>
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>What a waiter with <see cref="DirectIoFlags.InlineCompletion"/> awaits: its continuation runs where the fill ends.</summary>
        public TaskCompletionSource DoneInline { get; } = new();
    }
}
