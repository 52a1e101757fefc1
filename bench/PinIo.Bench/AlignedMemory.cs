using System.Runtime.InteropServices;

namespace PinIo.Bench;

/// <summary>
/// Ordinary memory for O_DIRECT, as an application would have it: one GC-pinned managed array
/// (the pinned object heap), sliced into page-aligned buffers. Not registered with any ring:
/// PinIo pins it per request, and so does the kernel.
/// </summary>
internal sealed class AlignedMemory
{
    private const int Page = 4096;
    private readonly byte[] _array;
    private readonly int _start;

    public unsafe AlignedMemory(int buffers, int bytesEach)
    {
        long total = (long)buffers * bytesEach;
        _array = GC.AllocateArray<byte>(checked((int)(total + Page)), pinned: true);
        fixed (byte* p = _array)
        {
            nint address = (nint)p;
            _start = (int)((Page - (address & (Page - 1))) & (Page - 1));
        }
        BytesEach = bytesEach;
        Count = buffers;
    }

    public int Count { get; }

    public int BytesEach { get; }

    /// <summary>
    /// Buffer <paramref name="index"/>: <paramref name="prePinned"/> hands it over as memory
    /// that says its array is pinned (MemoryMarshal.CreateFromPinnedArray, as Kestrel's pinned
    /// pool does: Pin() takes no GC handle), else as plain array memory.
    /// </summary>
    public Memory<byte> Buffer(int index, bool prePinned = false) => prePinned
        ? MemoryMarshal.CreateFromPinnedArray(_array, _start + (index * BytesEach), BytesEach)
        : _array.AsMemory(_start + (index * BytesEach), BytesEach);
}
