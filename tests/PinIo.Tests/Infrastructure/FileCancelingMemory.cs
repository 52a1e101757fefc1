using System.Buffers;
using System.Runtime.InteropServices;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Native memory seen through a memory manager that runs <see cref="OnPin"/> whenever someone
/// pins it: a test's hook into the moment a request takes this buffer's pages, used to cancel
/// a request part way through its submission. PinIo treats it as ordinary user memory.
/// </summary>
internal sealed unsafe class FileCancelingMemory : MemoryManager<byte>
{
    private readonly int _length;
    private void* _memory;

    public FileCancelingMemory(int length)
    {
        _length = length;
        _memory = NativeMemory.AlignedAlloc((nuint)length, 4096);
        NativeMemory.Clear(_memory, (nuint)length);
    }

    public Action? OnPin { get; set; }

    public override Span<byte> GetSpan() => new(_memory, _length);

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        OnPin?.Invoke();
        return new MemoryHandle((byte*)_memory + elementIndex, pinnable: this);
    }

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (_memory != null)
        {
            NativeMemory.AlignedFree(_memory);
            _memory = null;
        }
    }
}
