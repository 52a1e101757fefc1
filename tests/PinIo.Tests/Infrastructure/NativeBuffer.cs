using System.Buffers;
using System.Runtime.InteropServices;
using PinIo.Mm;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Page-aligned native memory (NativeMemory.AlignedAlloc) exposed as <see cref="Memory{T}"/>,
/// for tests of caller memory that no GC can move. Marked as native so that pinning it takes
/// no GC anchor, as for the library's own native memory.
/// </summary>
internal sealed unsafe class NativeBuffer : MemoryManager<byte>, INativeMemoryOwner
{
    private byte* _pointer;

    public NativeBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        _pointer = (byte*)NativeMemory.AlignedAlloc((nuint)length, PageSize.Bytes);
        NativeMemory.Clear(_pointer, (nuint)length);
        Length = length;
    }

    /// <summary>Page-aligned address of the first byte.</summary>
    public nint Address => (nint)_pointer;

    public int Length { get; }

    public override Span<byte> GetSpan() => new(_pointer, Length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (_pointer != null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
        }
    }
}
