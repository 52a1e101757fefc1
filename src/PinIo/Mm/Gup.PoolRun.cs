// Follows mm/gup.c (gup_fast_pmd_leaf, try_grab_folio: a folio's pages pinned with one add; gup_put_folio).
namespace PinIo.Mm;

/// <summary>
/// The pages a bio's one-vec request pinned from pool memory, recorded as the run rather than
/// page by page: its memory, first pool index and page count, and whether they were pinned as
/// the memory's folio (<see cref="PoolMemory.TryPinFolio"/>) or each on its own. Default: none.
/// </summary>
internal readonly record struct PinnedPoolRun(PoolMemory? Memory, int FirstIndex, int Count, bool AsFolio)
{
    /// <summary>The run's first page.</summary>
    public Page FirstPage => Memory!.Pool[FirstIndex];
}

public static partial class Gup
{
    /// <summary>
    /// Pins the pages of pool memory <paramref name="address"/>..+<paramref name="length"/> for a
    /// caller that records the run instead of each page (a bio's one-vec request: no page
    /// reference stored, none cleared). A request over every page of the memory pins its folio
    /// (one atomic update for the run, as the kernel pins a large folio's pages); any other
    /// pins each page. Either way each page's <see cref="Page.PinCount"/> is exact and the run is
    /// counted once. Release with <see cref="UnpinPoolRunDirtyLock"/>. Returns the default
    /// (nothing pinned) while pin owners are tracked (<see cref="PinStats.TracksOwners"/>: the
    /// caller then takes the general path, which records each pin's owner).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The memory's owner was disposed.</exception>
    internal static PinnedPoolRun PinPoolMemoryRun(PoolMemory memory, nint address, int length)
    {
        if (PinStats.TracksOwners)
        {
            return default;
        }
        PagePool pool = memory.Pool;
        int firstIndex = pool.IndexOf(address);
        int count = PageSize.PagesSpanned(address, length);
        if (firstIndex == memory.FirstPage.PoolIndex && count == memory.PageCount)
        {
            if (!memory.TryPinFolio())
            {
                ThrowPoolMemoryDisposed();
            }
            PinStats.OnPinnedRun(count);
            return new PinnedPoolRun(memory, firstIndex, count, AsFolio: true);
        }
        ObjectDisposedException.ThrowIf(memory.IsDisposed, memory);
        ReadOnlySpan<Page> run = pool.PagesAt(firstIndex, count);
        PinRun(run);
        ThrowIfPoolMemoryDisposed(memory, run, pinned: true);
        return new PinnedPoolRun(memory, firstIndex, count, AsFolio: false);
    }

    /// <summary>
    /// unpin_user_pages_dirty_lock() for a run of <see cref="PinPoolMemoryRun"/>: marks each
    /// page dirty first when <paramref name="makeDirty"/> (after a read: the folio's one bit, or
    /// each page's), then drops the run's pins — the folio's one, or each page's.
    /// </summary>
    internal static void UnpinPoolRunDirtyLock(in PinnedPoolRun run, bool makeDirty)
    {
        PoolMemory memory = run.Memory!;
        if (!run.AsFolio)
        {
            UnpinUserPagesDirtyLock(memory.Pool.PagesAt(run.FirstIndex, run.Count), makeDirty);
            return;
        }
        if (makeDirty)
        {
            memory.MarkFolioDirty();
        }
        memory.UnpinFolio();
        PinStats.OnUnpinnedRun(run.Count);
    }

    /// <summary>
    /// Pins a run of pool pages (native memory that pool holds: one lookup for the run, one
    /// count for the run) into <paramref name="pages"/>; each page still takes its own pin, so
    /// every page's <see cref="Page.PinCount"/> stays exact.
    /// </summary>
    private static int PinPoolRun(PagePool pool, nint first, Span<Page> pages)
    {
        ReadOnlySpan<Page> run = pool.PagesAt(pool.IndexOf(first), pages.Length);
        PinRun(run);
        run.CopyTo(pages);
        return run.Length;
    }

    /// <summary>Pins every page of <paramref name="run"/>, counted as one run; on a failure none stays pinned.</summary>
    private static void PinRun(ReadOnlySpan<Page> run)
    {
        int taken = 0;
        try
        {
            for (; taken < run.Length; taken++)
            {
                run[taken].PinReferencedUncounted();
            }
        }
        catch
        {
            PinStats.OnPinnedRun(taken);
            UnpinUserPagesDirtyLock(run[..taken], makeDirty: false);
            throw;
        }
        PinStats.OnPinnedRun(taken);
    }
}
