using System.Buffers;
using System.Runtime.InteropServices;
using PinIo.Mm;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Caller memory that moves when it is first pinned, as a managed array the GC compacts between
/// an alignment check and the pin: until then its span starts page-aligned, from the first
/// <see cref="Pin"/> on both start <see cref="MovedBy"/> bytes later. Not native memory to
/// PinIo (no <see cref="INativeMemoryOwner"/>), so pinning it takes a GC anchor as for an array.
/// </summary>
internal sealed unsafe class MovingBuffer : MemoryManager<byte>
{
    private readonly byte* _base;
    private readonly int _length;
    private bool _moved;

    public MovingBuffer(int length, int movedBy)
    {
        _length = length;
        MovedBy = movedBy;
        _base = (byte*)NativeMemory.AlignedAlloc((nuint)(length + PageSize.Bytes), PageSize.Bytes);
        NativeMemory.Clear(_base, (nuint)(length + PageSize.Bytes));
    }

    public int MovedBy { get; }

    /// <summary>Whether it has been pinned (and so has moved).</summary>
    public bool Moved => _moved;

    /// <summary>Where the bytes are once it has moved: a write's data goes here.</summary>
    public Span<byte> MovedSpan => new(_base + MovedBy, _length);

    public override Span<byte> GetSpan() => new(_moved ? _base + MovedBy : _base, _length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        _moved = true;
        return new MemoryHandle(_base + MovedBy + elementIndex);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing) => NativeMemory.AlignedFree(_base);
}
