// Follows mm/memory.c (a user mapping of page-cache pages: the address stays; the pages are found through the page table).
using System.Buffers;
using PinIo.Mm;

namespace PinIo.Fs;

/// <summary>
/// The memory of a <see cref="MappedRange"/>: native pool memory that never moves (no GC pin),
/// but not <c>PoolMemory</c>, so that a Direct I/O into it is user memory — its pages are
/// pinned through the page table (<c>PageTable</c> finds the cache's own <see cref="Page"/>
/// objects by address), which is what writeback must see.
/// </summary>
internal sealed class MappedMemory(nint address, int length) : MemoryManager<byte>, INativeMemoryOwner
{
    private int _closed;

    public void Close() => Volatile.Write(ref _closed, 1);

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, typeof(MappedRange));
        return NativeMemoryAccess.Span(address, length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _closed) != 0, typeof(MappedRange));
        unsafe
        {
            return new MemoryHandle((byte*)address + elementIndex);
        }
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing) => Close();
}
