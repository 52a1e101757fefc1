// Follows mm/gup.c (pin_user_pages, get_user_pages, unpin_user_pages_dirty_lock).
using System.Buffers;
using System.Runtime.InteropServices;

namespace PinIo.Mm;

/// <summary>
/// Acquires the pages behind caller memory for I/O and releases them. A pin
/// (<see cref="PinUserPages"/>, FOLL_PIN) is released by <see cref="UnpinUserPages"/> or
/// <see cref="UnpinUserPagesDirtyLock"/>; a plain reference (<see cref="GetUserPages"/>,
/// FOLL_GET) by <see cref="Page.Put"/>. Pinning managed memory GC-pins the buffer until the
/// last reference on its pages is gone, so no compaction moves memory under I/O.
/// </summary>
public static partial class Gup
{
    /// <summary>GUP_PIN_COUNTING_BIAS: what a pin adds to <see cref="Page.RefCount"/>.</summary>
    public const int PinCountingBias = 1024;

    /// <summary>
    /// pin_user_pages() (FOLL_PIN): pins every page that covers <paramref name="buffer"/>, up to
    /// <c>pages.Length</c> pages from its start, writes them to <paramref name="pages"/> and
    /// returns how many it pinned (0 for an empty buffer). The first page holds the buffer's
    /// start at <c>PageSize.OffsetIn(address)</c>. Each pin adds <see cref="PinCountingBias"/> to
    /// <see cref="Page.RefCount"/> and 1 to <see cref="Page.PinCount"/>; managed memory is GC-pinned
    /// until the last page pin on it is released, so no compaction moves it under I/O.
    /// Release each page exactly once with <see cref="UnpinUserPage"/>,
    /// <see cref="UnpinUserPages"/> or, after a read into it, <see cref="UnpinUserPagesDirtyLock"/>
    /// with <c>makeDirty: true</c>. Thread-safe; on an exception nothing stays pinned.
    /// </summary>
    /// <param name="buffer">The memory to pin: managed (array or memory manager), native or pool memory.</param>
    /// <param name="flags"><see cref="GupFlags.Write"/> when the I/O writes into the memory (a read);
    /// <see cref="GupFlags.LongTerm"/> for pins held indefinitely (registered buffers).</param>
    /// <param name="pages">Receives the pinned pages in address order; its length caps how many are taken.</param>
    /// <exception cref="ObjectDisposedException"><paramref name="buffer"/> is pool memory whose owner
    /// was disposed: its pages may already belong to another buffer.</exception>
    public static int PinUserPages(Memory<byte> buffer, GupFlags flags, Span<Page> pages) =>
        AcquireUserPages(buffer, flags, pages, pin: true, out _);

    /// <summary>
    /// get_user_pages() (FOLL_GET), kept for comparison: the same pages as
    /// <see cref="PinUserPages"/> with plain references (+1 each) that writeback cannot tell from
    /// any other. Returns how many it took. Release each with <see cref="Page.Put"/>, never with
    /// an unpin.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="flags"/> has <see cref="GupFlags.LongTerm"/>,
    /// which needs a pin (FOLL_LONGTERM requires FOLL_PIN, as in Linux).</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="buffer"/> is pool memory whose owner
    /// was disposed.</exception>
    public static int GetUserPages(Memory<byte> buffer, GupFlags flags, Span<Page> pages)
    {
        if ((flags & GupFlags.LongTerm) != 0)
        {
            throw new ArgumentException("GupFlags.LongTerm requires a pin: use PinUserPages (FOLL_LONGTERM needs FOLL_PIN).", nameof(flags));
        }
        return AcquireUserPages(buffer, flags, pages, pin: false, out _);
    }

    /// <summary>
    /// pin_user_page(): pins a page that already holds a reference (a pipe page, the zero page of
    /// the legacy Direct I/O path), so that a bio of pinned pages can take it and release it
    /// alike. Release with <see cref="UnpinUserPage"/>; the caller's own reference is untouched.
    /// </summary>
    /// <exception cref="InvalidOperationException">The page holds no reference (Linux WARNs).</exception>
    public static void PinUserPage(Page page)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.PinReferenced();
    }

    /// <summary>
    /// unpin_user_page(): releases one pin taken by <see cref="PinUserPages"/> or
    /// <see cref="PinUserPage"/> (subtracts <see cref="PinCountingBias"/> from
    /// <see cref="Page.RefCount"/> and 1 from <see cref="Page.PinCount"/>); the last release of a
    /// managed buffer's pages drops its GC pin, and a pool page whose count reaches zero returns
    /// to its pool. Does not dirty the page: after a read use
    /// <see cref="UnpinUserPagesDirtyLock"/>. Thread-safe.
    /// </summary>
    /// <exception cref="InvalidOperationException">The page is not pinned (<see cref="Page.PinCount"/>
    /// 0): most likely it came from <see cref="GetUserPages"/> or a <c>NoPageRef</c> bio, or was
    /// already unpinned (Linux WARNs).</exception>
    public static void UnpinUserPage(Page page)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.Unpin();
    }

    /// <summary>
    /// unpin_user_pages(): <see cref="UnpinUserPage"/> for each page, in order, without dirtying
    /// them (the release after a write, whose device only read the pages). A page listed twice
    /// must hold two pins.
    /// </summary>
    /// <exception cref="InvalidOperationException">A page is not pinned; the pages before it are
    /// already unpinned.</exception>
    public static void UnpinUserPages(ReadOnlySpan<Page> pages)
    {
        foreach (Page page in pages)
        {
            page.Unpin();
        }
    }

    /// <summary>
    /// Marks each page dirty, when <paramref name="makeDirty"/>, and then unpins it: the
    /// release after a device wrote into the pages (a read). Two cases are harmless:
    /// 1) the page is already dirty: it stays dirty; 2) it is cleaned between the dirtying and
    /// the unpin: whoever cleaned it saw <see cref="Page.MaybeDmaPinned"/> and had to wait or
    /// bounce, so no write into it was lost.
    /// </summary>
    public static void UnpinUserPagesDirtyLock(ReadOnlySpan<Page> pages, bool makeDirty)
    {
        if (PinStats.TracksOwners)
        {
            foreach (Page page in pages)
            {
                DirtyIfAsked(page, makeDirty);
                page.Unpin();
            }
            return;
        }
        // A bio's run of pages is counted once, as the kernel batches its counters per folio.
        int unpinned = 0;
        try
        {
            foreach (Page page in pages)
            {
                DirtyIfAsked(page, makeDirty);
                page.UnpinUncounted();
                unpinned++;
            }
        }
        finally
        {
            PinStats.OnUnpinnedRun(unpinned);
        }
    }

    private static void DirtyIfAsked(Page page, bool makeDirty)
    {
        if (makeDirty && !page.IsDirty)
        {
            page.SetDirty();
        }
    }

    /// <summary>Pins or references the pages of native memory <paramref name="address"/>..+<paramref name="length"/>.</summary>
    internal static int AcquireNativePages(nint address, long length, Span<Page> pages, bool pin) =>
        AcquireAnchoredPages(address, length, pages, pin, anchor: null);

    /// <summary>
    /// Pins or references the pages of <paramref name="buffer"/>; <paramref name="address"/> is
    /// where the buffer starts while they are held (managed memory cannot move meanwhile).
    /// </summary>
    internal static int AcquireUserPages(Memory<byte> buffer, GupFlags flags, Span<Page> pages, bool pin, out nint address)
    {
        _ = flags;
        address = 0;
        if (buffer.IsEmpty || pages.IsEmpty)
        {
            return 0;
        }
        // PinIo's own pool memory first, by its exact (sealed) type: native memory that never
        // moves, whose pool is known, so neither a pin handle nor a page-table lookup is needed.
        if (MemoryMarshal.TryGetMemoryManager<byte, PoolMemory>(buffer, out PoolMemory? poolMemory, out int start, out int length))
        {
            address = poolMemory!.Address + start;
            return AcquirePoolMemoryPages(poolMemory, address, length, pages, pin);
        }
        MemoryHandle handle = buffer.Pin();
        GcAnchor? anchor = null;
        try
        {
            address = NativeMemoryAccess.AddressOf(handle);
            object? movable = MovableOwnerOf(buffer);
            if (movable is not null)
            {
                anchor = GcAnchor.Rent(movable, handle);
                handle = default;
            }
            return AcquireAnchoredPages(address, buffer.Length, pages, pin, anchor);
        }
        finally
        {
            // The anchor's creator reference: the pages now hold their own (or none were taken).
            anchor?.RemoveHolder();
            handle.Dispose();
        }
    }

    /// <summary>
    /// The pages of pool memory: a pin without owner tracking takes the run straight from its
    /// pool; otherwise the general path. Disposal is checked before, as a pin handle would, and
    /// again after the pages are taken, for a Dispose that raced the taking.
    /// </summary>
    internal static int AcquirePoolMemoryPages(PoolMemory memory, nint address, int length, Span<Page> pages, bool pin)
    {
        ObjectDisposedException.ThrowIf(memory.IsDisposed, memory);
        int count;
        if (pin && !PinStats.TracksOwners)
        {
            count = Math.Min(PageSize.PagesSpanned(address, length), pages.Length);
            count = PinPoolRun(memory.Pool, PageSize.AlignDown(address), pages[..count]);
        }
        else
        {
            count = AcquireAnchoredPages(address, length, pages, pin, anchor: null);
        }
        ThrowIfPoolMemoryDisposed(memory, pages[..count], pin);
        return count;
    }

    private static int AcquireAnchoredPages(nint address, long length, Span<Page> pages, bool pin, GcAnchor? anchor)
    {
        int count = Math.Min(PageSize.PagesSpanned(address, length), pages.Length);
        nint first = PageSize.AlignDown(address);
        if (pin && count > 0 && !PinStats.TracksOwners && PageTable.FindPool(first) is { } pool && pool.Contains(first + ((nint)(count - 1) << PageSize.Shift)))
        {
            return PinPoolRun(pool, first, pages[..count]);
        }
        int taken = 0;
        try
        {
            if (count > 0 && PageTable.HoldsNoPoolPage(first, first + ((nint)(count - 1) << PageSize.Shift)))
            {
                PageTable.AcquireRun(first, pages[..count], anchor, pin, ref taken);
            }
            for (; taken < count; taken++)
            {
                nint pageAddress = first + ((nint)taken << PageSize.Shift);
                pages[taken] = PageTable.AcquireAt(pageAddress, anchor, pin);
            }
        }
        catch
        {
            ReleaseAcquired(pages[..taken], pin);
            throw;
        }
        return count;
    }

    /// <summary>
    /// Pool memory disposed while its pages were being taken may already be another buffer's:
    /// checked after taking them (as in <see cref="PoolMemory.TryGetPages"/>), so a Dispose this
    /// misses comes later and only drops the owner's reference.
    /// </summary>
    private static void ThrowIfPoolMemoryDisposed(PoolMemory pool, ReadOnlySpan<Page> taken, bool pinned)
    {
        if (pool.IsDisposed)
        {
            ReleaseAcquired(taken, pinned);
            ThrowPoolMemoryDisposed();
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowPoolMemoryDisposed() =>
        throw new ObjectDisposedException(nameof(PoolMemory), "I/O into pool memory after its owner was disposed: its pages may already belong to another buffer");

    private static void ReleaseAcquired(ReadOnlySpan<Page> pages, bool pinned)
    {
        foreach (Page page in pages)
        {
            if (pinned)
            {
                page.Unpin();
            }
            else
            {
                page.Put();
            }
        }
    }

    /// <summary>
    /// The managed object whose GC pin must outlive the call: an array, or a memory manager
    /// other than one over native memory (whose pin is not a GC pin). Null when the memory
    /// never moves: native memory, or an array its owner keeps pinned.
    /// </summary>
    internal static object? MovableOwnerOf(Memory<byte> buffer) => MovableOwnerOf(buffer, out _);

    /// <summary>
    /// <see cref="MovableOwnerOf(Memory{byte})"/>, and with the same look at the buffer's owner
    /// PinIo's own pool memory behind it (<paramref name="pool"/>; null for any other memory).
    /// </summary>
    internal static object? MovableOwnerOf(Memory<byte> buffer, out PoolMemory? pool)
    {
        pool = null;
        if (MemoryMarshal.TryGetArray<byte>(buffer, out ArraySegment<byte> segment))
        {
            // An array its owner keeps pinned (CreateFromPinnedArray) needs no GC pin from us.
            return PrePinnedMemory.IsPrePinnedArray(buffer) ? null : segment.Array;
        }
        if (MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(buffer, out MemoryManager<byte>? manager))
        {
            pool = manager as PoolMemory;
            return manager is INativeMemoryOwner ? null : manager;
        }
        return null;
    }
}

/// <summary>Marks a memory manager over native memory that never moves: pinning it needs no GC anchor.</summary>
internal interface INativeMemoryOwner;
