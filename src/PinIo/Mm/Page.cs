// Follows include/linux/mm.h (get_page, put_page, page_maybe_dma_pinned) and include/linux/page_ref.h.
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace PinIo.Mm;

/// <summary>
/// One 4 KiB page of memory that PinIo references for I/O: a <see cref="PagePool"/> page, or a
/// page of caller memory looked up by <see cref="Gup"/>. While a page is referenced it is one
/// object for every caller, so two I/Os into two halves of it see <c>PinCount == 2</c>.
/// <para>
/// A plain reference (<see cref="Get"/>/<see cref="Put"/>, FOLL_GET) adds 1 to
/// <see cref="RefCount"/>; a pin (<see cref="Gup.PinUserPages"/>, FOLL_PIN) adds
/// <see cref="Gup.PinCountingBias"/> to it and 1 to the exact <see cref="PinCount"/>.
/// A pin is released only by an unpin, never by <see cref="Put"/>.
/// </para>
/// </summary>
public sealed class Page
{
    // RefCount in the low 32 bits, PinCount in the high 32: one atomic word, so that every
    // check of a reference against the pins sees a consistent pair.
    private long _state;
    private int _dirty;

    /// <summary>What one pin adds to the state: 1 to the pin count, the bias to the reference count.</summary>
    private const long OnePin = (1L << 32) + Gup.PinCountingBias;

    internal Page(nint address, PagePool? pool, int poolIndex)
    {
        Address = address;
        Pool = pool;
        PoolIndex = poolIndex;
    }

    /// <summary>Page-aligned virtual address of the page.</summary>
    public nint Address { get; private set; }

    /// <summary>
    /// The page's reference count (page_ref_count): 1 per plain reference (<see cref="Get"/>,
    /// <see cref="PagePool.Alloc"/>, <see cref="Gup.GetUserPages"/>) plus
    /// <see cref="Gup.PinCountingBias"/> per pin. Zero means free: a pool page is back on its
    /// free list, a page of caller memory is forgotten. A snapshot; other threads may change it.
    /// </summary>
    public int RefCount => RefOf(Volatile.Read(ref _state)) + (FolioPins * Gup.PinCountingBias);

    /// <summary>Exact number of pins held on the page: its own and those of its folio (pool memory pinned as a whole).</summary>
    public int PinCount => Math.Max(0, PinsOf(Volatile.Read(ref _state))) + FolioPins;

    /// <summary>
    /// page_maybe_dma_pinned(): <c>RefCount &gt;= PinCountingBias</c>. Never a false negative;
    /// 1024 plain references give a false positive, as in Linux.
    /// </summary>
    public bool MaybeDmaPinned => RefCount >= Gup.PinCountingBias;

    /// <summary>
    /// The page's dirty bit (PG_dirty): set by <see cref="SetDirty"/> or by
    /// <see cref="Gup.UnpinUserPagesDirtyLock"/> after a device wrote into the page (a read); for a
    /// page-cache page it is the cache's dirty bit, which writeback clears. Pool pages start clean
    /// on every <see cref="PagePool.Alloc"/>. A page of pool memory is also dirty when its folio
    /// is (a read into the whole memory marks the folio, as the kernel marks a large folio once).
    /// </summary>
    public bool IsDirty => Volatile.Read(ref _dirty) != 0 || Folio is { IsFolioDirty: true };

    /// <summary>The pool that owns the page, or null for a page of caller memory.</summary>
    internal PagePool? Pool { get; }

    internal int PoolIndex { get; }

    /// <summary>page_folio(): the pool memory this page was last allocated in, whose folio pins cover it; null for a single page.</summary>
    internal PoolMemory? Folio;

    private int FolioPins => Folio?.FolioPins ?? 0;

    /// <summary>GC anchors of the managed buffers on this page (table pages only).</summary>
    internal GcAnchorSet Anchors;

    /// <summary>
    /// get_page_unless_zero(): a plain reference on a page that is still referenced, or false
    /// for a free page. The caller must then check that the page is still the one it meant (a
    /// freed page may have a new owner), as the kernel's speculative lookups do.
    /// </summary>
    internal bool TryGet()
    {
        long state = Volatile.Read(ref _state);
        while (RefOf(state) != 0)
        {
            long seen = Interlocked.CompareExchange(ref _state, state + 1, state);
            if (seen == state)
            {
                return true;
            }
            state = seen;
        }
        return false;
    }

    /// <summary>
    /// get_page(): takes a plain reference (FOLL_GET, +1 on <see cref="RefCount"/>), released by
    /// <see cref="Put"/>. Thread-safe (one atomic update).
    /// </summary>
    /// <exception cref="InvalidOperationException">The page is free (<see cref="RefCount"/> 0): the
    /// caller holds no reference that keeps it alive (Linux WARNs).</exception>
    public void Get()
    {
        long state = Volatile.Read(ref _state);
        while (true)
        {
            if (RefOf(state) == 0)
            {
                ThrowHelper.ThrowMisuse($"Get on page 0x{Address:x}, which is free: the caller holds no reference to it.");
            }
            long seen = Interlocked.CompareExchange(ref _state, state + 1, state);
            if (seen == state)
            {
                return;
            }
            state = seen;
        }
    }

    /// <summary>
    /// put_page(): drops a plain reference. When the count reaches zero a pool page goes back to
    /// its pool's free list (never earlier, so a pinned page is never handed out again).
    /// Thread-safe (one atomic update).
    /// </summary>
    /// <exception cref="InvalidOperationException">The page is free, or only pins hold it: a pin
    /// is released by <see cref="Gup.UnpinUserPage"/>, never by <c>Put</c> (Linux WARNs).</exception>
    public void Put()
    {
        long state = Volatile.Read(ref _state);
        while (true)
        {
            int plain = RefOf(state) - (PinsOf(state) * Gup.PinCountingBias);
            if (plain <= 0)
            {
                ThrowPutWithoutReference(state);
            }
            long seen = Interlocked.CompareExchange(ref _state, state - 1, state);
            if (seen == state)
            {
                if (RefOf(state) == 1)
                {
                    Release();
                }
                return;
            }
            state = seen;
        }
    }

    /// <summary>
    /// set_page_dirty(): marks the page's content newer than its backing store. Idempotent and
    /// thread-safe. A caller that wrote into a page it holds a reference or pin on calls it so
    /// writeback does not lose the data; only the owner (the page cache) clears the bit.
    /// </summary>
    public void SetDirty() => Volatile.Write(ref _dirty, 1);

    internal void ClearDirty() => Volatile.Write(ref _dirty, 0);

    /// <summary>The page's 4 KiB. Valid only while the caller holds a reference or a pin.</summary>
    public Span<byte> AsSpan() => NativeMemoryAccess.Span(Address, PageSize.Bytes);

    /// <summary>For diagnostics: address, <see cref="RefCount"/>, <see cref="PinCount"/>, dirty and pool membership.</summary>
    public override string ToString() =>
        $"Page 0x{Address:x} ref={RefCount} pin={PinCount}{(IsDirty ? " dirty" : "")}{(Pool is null ? "" : " pool")}";

    /// <summary>Adds a pin; the caller guarantees the page is live (referenced, or found under the table lock).</summary>
    internal void PinLive()
    {
        PinLiveUncounted();
        PinStats.OnPinned(this);
    }

    /// <summary><see cref="PinLive"/> for a caller that counts its run once (<see cref="PinStats.OnPinnedRun"/>).</summary>
    internal void PinLiveUncounted() => Interlocked.Add(ref _state, OnePin);

    /// <summary>Adds a pin to a page that must already hold a reference (pin_user_page).</summary>
    internal void PinReferenced()
    {
        PinReferencedUncounted();
        PinStats.OnPinned(this);
    }

    /// <summary>
    /// <see cref="PinReferenced"/> without <see cref="PinStats"/>: for a caller that pins a run
    /// of pages and counts the run once (<see cref="PinStats.OnPinnedRun"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PinReferencedUncounted()
    {
        long state = Volatile.Read(ref _state);
        while (true)
        {
            if (RefOf(state) == 0)
            {
                ThrowPinWithoutReference();
            }
            long seen = Interlocked.CompareExchange(ref _state, state + OnePin, state);
            if (seen == state)
            {
                return;
            }
            state = seen;
        }
    }

    /// <summary>Adds a plain reference to a page found under the table lock (may be at zero, being freed).</summary>
    internal void GetLive() => Interlocked.Increment(ref _state);

    internal void Unpin()
    {
        long state = UnpinCore();
        PinStats.OnUnpinned(this);
        if (RefOf(state) == Gup.PinCountingBias)
        {
            Release();
        }
    }

    /// <summary>
    /// <see cref="Unpin"/> without <see cref="PinStats"/>: for a caller that unpins a run of
    /// pages and counts the run once (<see cref="PinStats.OnUnpinnedRun"/>), while no pin
    /// owner is recorded (<see cref="PinStats.TracksOwners"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void UnpinUncounted()
    {
        if (RefOf(UnpinCore()) == Gup.PinCountingBias)
        {
            Release();
        }
    }

    /// <summary>
    /// Drops one pin; returns the state before it. One atomic add, not a compare-and-swap loop:
    /// the unpin of a page that holds no pin (a caller's bug) is seen after the add, undone and
    /// thrown, as the kernel's unpin subtracts first and warns after. Between the two, other
    /// threads may see the page's counts one pin short; no page is freed by it (a page is freed
    /// only by the release that brings its count down to zero from a pin or a reference). A
    /// page the table dropped reads a negative pin count: its unpin is thrown alike.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long UnpinCore()
    {
        long before = Interlocked.Add(ref _state, -OnePin) + OnePin;
        if (PinsOf(before) <= 0)
        {
            Interlocked.Add(ref _state, OnePin);
            ThrowUnpinWithoutPin();
        }
        return before;
    }

    [DoesNotReturn]
    private void ThrowPinWithoutReference() =>
        ThrowHelper.ThrowMisuse($"pin_user_page on page 0x{Address:x}, which holds no reference: the caller must already reference it.");

    [DoesNotReturn]
    private void ThrowUnpinWithoutPin() =>
        ThrowHelper.ThrowMisuse(
            $"Unpin of page 0x{Address:x}, which is not pinned. More likely, the pages came from GetUserPages " +
            "or a bio marked NoPageRef, or were already unpinned, and were passed here by mistake.");

    /// <summary>Allocation from a pool: the page goes from free to one reference.</summary>
    internal void InitAllocated()
    {
        Folio = null;
        _dirty = 0;
        Volatile.Write(ref _state, 1);
    }

    /// <summary>
    /// Gives a dropped page a new address for the table to hold. The count is published last:
    /// a lockless lookup that pins the page from here on reads the new address after its pin.
    /// </summary>
    internal void Recycle(nint address)
    {
        Address = address;
        _dirty = 0;
        Volatile.Write(ref _state, 0);
    }

    internal bool IsFree => Volatile.Read(ref _state) == 0;

    /// <summary>
    /// The state of a table page that an idle-page drop took out of the table: no lookup may
    /// revive it (<see cref="TryPinFast"/> fails on it) until <see cref="Recycle"/>.
    /// </summary>
    private const long Dropped = long.MinValue;

    /// <summary>
    /// Marks an idle table page dropped, under the table's lock: false when a lockless lookup
    /// revived it first, which then owns it again and the page stays.
    /// </summary>
    internal bool TryMarkDropped() => Interlocked.CompareExchange(ref _state, Dropped, 0) == 0;

    /// <summary>
    /// gup_fast's try_grab_folio for a table page found without the table's lock: adds a pin
    /// (not counted: the caller counts its run) unless the page is being dropped. A page found
    /// that way may since have been dropped and recycled for another address, as the PTE under
    /// gup_fast may change: the address is read again after the pin, and a page that now stands
    /// for another is let go. False sends the caller to the locked walk. A page revived from
    /// idle starts its use clean, as on the locked walk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryPinFast(nint address)
    {
        long state = Volatile.Read(ref _state);
        while (true)
        {
            if (state < 0)
            {
                return false;
            }
            long seen = Interlocked.CompareExchange(ref _state, state + OnePin, state);
            if (seen == state)
            {
                break;
            }
            state = seen;
        }
        if (Address != address)
        {
            UnpinUncounted();
            return false;
        }
        if (state == 0)
        {
            ClearDirty();
        }
        return true;
    }

    private void Release()
    {
        if (Pool is not null)
        {
            Pool.Free(this);
        }
        else
        {
            PageTable.OnRefCountZero(this);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RefOf(long state) => (int)(state & 0xFFFF_FFFF);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int PinsOf(long state) => (int)(state >> 32);

    private void ThrowPutWithoutReference(long state)
    {
        if (RefOf(state) == 0)
        {
            ThrowHelper.ThrowMisuse($"Put on page 0x{Address:x}, which is free: the reference was already dropped.");
        }
        ThrowHelper.ThrowMisuse(
            $"Put on page 0x{Address:x} would drop a reference that only a pin holds (RefCount {RefOf(state)}, " +
            $"PinCount {PinsOf(state)}): release a pin with Gup.UnpinUserPage, never with Put.");
    }
}
