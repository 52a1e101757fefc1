using System.Buffers;
using System.Runtime.InteropServices;
using PinIo.Mm;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Memory for Direct I/O tests. Managed buffers are slices of arrays on the pinned object
/// heap, so an alignment computed once stays true; <see cref="BlockNativeBuffer"/> is native
/// memory for kvec iterators.
/// </summary>
internal static class BlockMemory
{
    /// <summary>
    /// <paramref name="length"/> bytes whose address is a multiple of <paramref name="alignment"/>
    /// plus <paramref name="misalignBy"/> (so 0 gives aligned memory, 8 memory that is only 8-aligned).
    /// </summary>
    public static Memory<byte> Aligned(int length, int alignment = PageSize.Bytes, int misalignBy = 0)
    {
        byte[] array = GC.AllocateArray<byte>(length + alignment + misalignBy, pinned: true);
        int skip = (int)((alignment - (AddressOf(array.AsMemory()) & (alignment - 1))) & (alignment - 1));
        return array.AsMemory(skip + misalignBy, length);
    }

    /// <summary>Where <paramref name="memory"/> starts now (stable for pinned-heap memory).</summary>
    public static unsafe nint AddressOf(Memory<byte> memory)
    {
        using MemoryHandle handle = memory.Pin();
        return (nint)handle.Pointer;
    }

    /// <summary>Deterministic content: byte i of a pattern with <paramref name="seed"/>.</summary>
    public static void FillPattern(Span<byte> span, int seed)
    {
        for (int i = 0; i < span.Length; i++)
        {
            span[i] = Pattern(i, seed);
        }
    }

    public static byte Pattern(int i, int seed) => (byte)((i * 7) + (i >> 9) + (seed * 31) + 1);
}

/// <summary>Page-aligned native memory the test owns (the memory behind a kvec).</summary>
internal sealed unsafe class BlockNativeBuffer : IDisposable
{
    private void* _memory;

    public BlockNativeBuffer(int length)
    {
        Length = length;
        _memory = NativeMemory.AlignedAlloc((nuint)length, PageSize.Bytes);
        NativeMemory.Clear(_memory, (nuint)length);
    }

    public int Length { get; }

    public nint Address => (nint)_memory;

    public Span<byte> Span => new(_memory, Length);

    public void Dispose()
    {
        if (_memory is not null)
        {
            NativeMemory.AlignedFree(_memory);
            _memory = null;
        }
    }
}

/// <summary>
/// Adjacent <see cref="PagePool"/> pages seen as managed memory: an Iovec over it pins pool
/// pages, whose <see cref="Page"/> objects outlive the I/O (pages of other memory leave the
/// page table when unpinned), so a test can look at them afterwards.
/// </summary>
internal sealed unsafe class BlockPoolMemory : MemoryManager<byte>, INativeMemoryOwner
{
    private readonly Page[] _pages;
    private bool _released;

    public BlockPoolMemory(PagePool pool, int pageCount)
    {
        Page first = pool.TryAllocContiguous(pageCount) ?? throw new InvalidOperationException($"no {pageCount} adjacent free pages");
        _pages = new Page[pageCount];
        for (int i = 0; i < pageCount; i++)
        {
            _pages[i] = pool[first.PoolIndex + i];
        }
    }

    public IReadOnlyList<Page> Pages => _pages;

    public override Span<byte> GetSpan() => new((void*)_pages[0].Address, _pages.Length * PageSize.Bytes);

    public override MemoryHandle Pin(int elementIndex = 0) => new((byte*)_pages[0].Address + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (!_released)
        {
            _released = true;
            foreach (Page page in _pages)
            {
                page.Put();
            }
        }
    }
}
