// Follows mm/page_alloc.c (alloc_pages of a higher order: physically adjacent pages).
using System.Buffers;

namespace PinIo.Mm;

/// <summary>
/// Adjacent <see cref="PagePool"/> pages handed out as <see cref="Memory{T}"/>. The owner holds
/// one reference on each page until <see cref="Dispose"/>; a request still using a page keeps
/// it (by its pin or by the caller's promise for a bvec) out of the pool after that.
/// Pinning this memory is not a GC pin: it is native and never moves.
/// </summary>
internal sealed class PoolMemory : MemoryManager<byte>, INativeMemoryOwner
{
    private readonly Page _first;
    private readonly int _pages;
    private readonly int _length;
    private int _disposed;

    public PoolMemory(PagePool pool, Page first, int pages, int length)
    {
        Pool = pool;
        _first = first;
        _pages = pages;
        _length = length;
    }

    public PagePool Pool { get; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public Page FirstPage => _first;

    public nint Address => _first.Address;

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return NativeMemoryAccess.Span(_first.Address, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
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
        if (Volatile.Read(ref _disposed) != 0)
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

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        for (int i = 0; i < _pages; i++)
        {
            Pool[_first.PoolIndex + i].Put();
        }
    }
}
