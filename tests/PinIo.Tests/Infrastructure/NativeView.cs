using System.Buffers;
using PinIo.Mm;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// <see cref="Memory{T}"/> over native memory someone else owns (a pool's pages), so that a
/// test can hand it to <see cref="Gup"/> as caller memory. Freeing the memory is the owner's job.
/// </summary>
internal sealed unsafe class NativeView(nint address, int length) : MemoryManager<byte>, INativeMemoryOwner
{
    public override Span<byte> GetSpan() => new((void*)address, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new((byte*)address + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
