// Follows mm/page_alloc.c (alloc_pages of a higher order: physically adjacent pages).
using System.Buffers;

namespace PinIo.Mm;

/// <summary>
/// Adjacent <see cref="PagePool"/> pages handed out as <see cref="Memory{T}"/>. The owner holds
/// one reference on each page until <see cref="Dispose"/>; a request still using a page keeps
/// it (by its pin or by the caller's promise for a bvec) out of the pool after that.
/// Pinning this memory is not a GC pin: it is native and never moves.
/// <para>
/// It is also a large folio: a request that covers every page pins them as one
/// (<see cref="TryPinFolio"/>: one atomic update, as the kernel pins a folio's pages with one add
/// to its pin count), and each page's <see cref="Page.PinCount"/> and
/// <see cref="Page.RefCount"/> count those pins with its own. While a folio pin is held, a
/// <see cref="Dispose"/> leaves the owner's references to the last unpin, so the pages stay out
/// of the pool as a page pin would keep them.
/// </para>
/// </summary>
internal sealed class PoolMemory : MemoryManager<byte>, INativeMemoryOwner
{
    private readonly Page _first;
    private readonly int _pages;
    private readonly int _length;

    // The disposed bit and the folio pins in one word: a pin can never slip in after the
    // disposal unseen, and exactly one of Dispose and the last unpin drops the owner's references.
    private const int Disposed = 1 << 30;
    private const int FolioPinMask = Disposed - 1;
    private int _state;
    private int _folioDirty;

    public PoolMemory(PagePool pool, Page first, int pages, int length)
    {
        Pool = pool;
        _first = first;
        _pages = pages;
        _length = length;
        for (int i = 0; i < pages; i++)
        {
            pool[first.PoolIndex + i].Folio = this;
        }
    }

    public PagePool Pool { get; }

    public bool IsDisposed => (Volatile.Read(ref _state) & Disposed) != 0;

    public Page FirstPage => _first;

    /// <summary>The pages this memory spans.</summary>
    public int PageCount => _pages;

    /// <summary>folio->_pincount: pins held on every page of this memory as one (<see cref="TryPinFolio"/>).</summary>
    public int FolioPins => Volatile.Read(ref _state) & FolioPinMask;

    public nint Address => _first.Address;

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return NativeMemoryAccess.Span(_first.Address, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        unsafe
        {
            return new MemoryHandle((byte*)_first.Address + elementIndex);
        }
    }

    public override void Unpin()
    {
    }

    /// <summary>The pool page holding byte <paramref name="offset"/> of this memory.</summary>
    public Page PageAt(int offset) => Pool[_first.PoolIndex + (offset >> PageSize.Shift)];

    /// <summary>
    /// Takes a reference on every page under bytes [<paramref name="start"/>, +<paramref name="length"/>)
    /// for one request, so that disposing this memory while the request runs keeps the pages
    /// out of the pool until <see cref="PutPages"/>. False, with nothing taken, once disposed.
    /// </summary>
    public bool TryGetPages(int start, int length)
    {
        int first = _first.PoolIndex + (start >> PageSize.Shift);
        int count = PageSize.PagesSpanned(start & (int)PageSize.OffsetMask, length);
        for (int i = 0; i < count; i++)
        {
            if (!Pool[first + i].TryGet())
            {
                PutTaken(first, i);
                return false;
            }
        }
        // After the references: a Dispose that this read misses comes later and drops only the
        // owner's reference, and one it sees may have freed pages whose new owner we let go.
        if (IsDisposed)
        {
            PutTaken(first, count);
            return false;
        }
        return true;
    }

    /// <summary>Drops the references <see cref="TryGetPages"/> took (Pool and page index of the first).</summary>
    public static void PutPages(PagePool pool, int firstIndex, int count)
    {
        for (int i = 0; i < count; i++)
        {
            pool[firstIndex + i].Put();
        }
    }

    private void PutTaken(int firstIndex, int count) => PutPages(Pool, firstIndex, count);

    /// <summary>
    /// folio_test_dirty(): a device wrote into every page of this memory (a read released by
    /// <see cref="Gup.UnpinPoolRunDirtyLock"/>); each page's <see cref="Page.IsDirty"/> reads
    /// it with its own bit. Only a new allocation of the pages starts them clean again: pool
    /// memory never holds page-cache pages, whose writeback clears the bit.
    /// </summary>
    public bool IsFolioDirty => Volatile.Read(ref _folioDirty) != 0;

    /// <summary>folio_mark_dirty(): marks every page of this memory dirty at once.</summary>
    public void MarkFolioDirty()
    {
        if (_folioDirty == 0)
        {
            Volatile.Write(ref _folioDirty, 1);
        }
    }

    /// <summary>
    /// Pins every page of this memory as one (try_grab_folio for a whole folio): one atomic
    /// update. False, with nothing pinned, once disposed: the pages may be another buffer's.
    /// Released by <see cref="UnpinFolio"/>.
    /// </summary>
    public bool TryPinFolio()
    {
        int state = Volatile.Read(ref _state);
        while ((state & Disposed) == 0)
        {
            if ((state & FolioPinMask) == FolioPinMask)
            {
                ThrowHelper.ThrowMisuse($"Pool memory at 0x{Address:x} holds {FolioPinMask} folio pins: a pin is leaked on every request.");
            }
            int seen = Interlocked.CompareExchange(ref _state, state + 1, state);
            if (seen == state)
            {
                return true;
            }
            state = seen;
        }
        return false;
    }

    /// <summary>
    /// Drops one folio pin (one atomic add); the last one after a <see cref="Dispose"/> drops
    /// the owner's references that the disposal left to it.
    /// </summary>
    /// <exception cref="InvalidOperationException">No folio pin is held (Linux WARNs).</exception>
    public void UnpinFolio()
    {
        int after = Interlocked.Decrement(ref _state);
        if ((after & FolioPinMask) == FolioPinMask)
        {
            Interlocked.Increment(ref _state);
            ThrowHelper.ThrowMisuse($"Folio unpin of pool memory at 0x{Address:x}, which holds no folio pin: it was already unpinned.");
        }
        if (after == Disposed)
        {
            PutOwnerReferences();
        }
    }

    protected override void Dispose(bool disposing)
    {
        int before = Interlocked.Or(ref _state, Disposed);
        if ((before & Disposed) == 0 && (before & FolioPinMask) == 0)
        {
            PutOwnerReferences();
        }
    }

    private void PutOwnerReferences() => PutTaken(_first.PoolIndex, _pages);
}
