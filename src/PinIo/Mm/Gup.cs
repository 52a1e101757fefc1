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
public static class Gup
{
    /// <summary>GUP_PIN_COUNTING_BIAS: what a pin adds to <see cref="Page.RefCount"/>.</summary>
    public const int PinCountingBias = 1024;

    /// <summary>
    /// Pins every page that covers <paramref name="buffer"/>, up to <c>pages.Length</c> pages
    /// from its start, and returns how many it pinned. Release each with an unpin.
    /// </summary>
    public static int PinUserPages(Memory<byte> buffer, GupFlags flags, Span<Page> pages) =>
        AcquireUserPages(buffer, flags, pages, pin: true, out _);

    /// <summary>
    /// The FOLL_GET path, kept for comparison: plain references that writeback cannot tell
    /// from any other. Release each with <see cref="Page.Put"/>. Rejects
    /// <see cref="GupFlags.LongTerm"/>, which needs a pin (as Linux does).
    /// </summary>
    public static int GetUserPages(Memory<byte> buffer, GupFlags flags, Span<Page> pages)
    {
        if ((flags & GupFlags.LongTerm) != 0)
        {
            throw new ArgumentException("GupFlags.LongTerm requires a pin: use PinUserPages (FOLL_LONGTERM needs FOLL_PIN).", nameof(flags));
        }
        return AcquireUserPages(buffer, flags, pages, pin: false, out _);
    }

    /// <summary>pin_user_page(): pins a page that already holds a reference (a pipe page).</summary>
    public static void PinUserPage(Page page)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.PinReferenced();
    }

    public static void UnpinUserPage(Page page)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.Unpin();
    }

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
            int count = AcquireAnchoredPages(address, buffer.Length, pages, pin, anchor);
            ThrowIfPoolMemoryDisposed(buffer, pages[..count], pin);
            return count;
        }
        finally
        {
            // The anchor's creator reference: the pages now hold their own (or none were taken).
            anchor?.RemoveHolder();
            handle.Dispose();
        }
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
    /// Pins a run of pool pages (native memory that pool holds: one lookup for the run, one
    /// count for the run); each page still takes its own pin, so every page's
    /// <see cref="Page.PinCount"/> stays exact.
    /// </summary>
    private static int PinPoolRun(PagePool pool, nint first, Span<Page> pages)
    {
        int taken = 0;
        try
        {
            for (; taken < pages.Length; taken++)
            {
                Page page = pool.PageAt(first + ((nint)taken << PageSize.Shift));
                page.PinReferencedUncounted();
                pages[taken] = page;
            }
        }
        catch
        {
            PinStats.OnPinnedRun(taken);
            ReleaseAcquired(pages[..taken], pinned: true);
            throw;
        }
        PinStats.OnPinnedRun(taken);
        return taken;
    }

    /// <summary>
    /// Pool memory disposed while its pages were being taken may already be another buffer's:
    /// checked after taking them (as in <see cref="PoolMemory.TryGetPages"/>), so a Dispose this
    /// misses comes later and only drops the owner's reference.
    /// </summary>
    private static void ThrowIfPoolMemoryDisposed(Memory<byte> buffer, ReadOnlySpan<Page> taken, bool pinned)
    {
        if (MemoryMarshal.TryGetMemoryManager<byte, PoolMemory>(buffer, out PoolMemory? pool) && pool.IsDisposed)
        {
            ReleaseAcquired(taken, pinned);
            throw new ObjectDisposedException(nameof(PoolMemory), "I/O into pool memory after its owner was disposed: its pages may already belong to another buffer");
        }
    }

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
    /// other than PinIo's own native pool memory (whose pin is not a GC pin).
    /// </summary>
    private static object? MovableOwnerOf(Memory<byte> buffer)
    {
        // PinIo's own pool memory first, by its exact (sealed) type: no cast helper or cast-cache
        // lookup on the Direct I/O path, where an interface check cost a cache miss per request.
        if (MemoryMarshal.TryGetMemoryManager<byte, PoolMemory>(buffer, out _))
        {
            return null;
        }
        if (MemoryMarshal.TryGetArray<byte>(buffer, out ArraySegment<byte> segment))
        {
            // An array its owner keeps pinned (CreateFromPinnedArray) needs no GC pin from us.
            return PrePinnedMemory.IsPrePinnedArray(buffer) ? null : segment.Array;
        }
        if (MemoryMarshal.TryGetMemoryManager<byte, MemoryManager<byte>>(buffer, out MemoryManager<byte>? manager))
        {
            return manager is INativeMemoryOwner ? null : manager;
        }
        return null;
    }
}

/// <summary>Marks a memory manager over native memory that never moves: pinning it needs no GC anchor.</summary>
internal interface INativeMemoryOwner;
