using System.Runtime.InteropServices;

namespace PinIo.Mm;

/// <summary>
/// Spans over native addresses and page-aligned native allocations. The only place outside
/// <c>Linux/</c> and the engines where raw addresses become memory, so that iterators and
/// devices stay free of <c>unsafe</c>.
/// </summary>
internal static unsafe class NativeMemoryAccess
{
    public static Span<byte> Span(nint address, int length) => new((void*)address, length);

    public static nint AllocPageAligned(nuint bytes)
    {
        void* p = NativeMemory.AlignedAlloc(bytes, PageSize.Bytes);
        NativeMemory.Clear(p, bytes);
        return (nint)p;
    }

    public static void FreePageAligned(nint address) => NativeMemory.AlignedFree((void*)address);

    /// <summary>Address of pinned memory (the pointer of a live <see cref="System.Buffers.MemoryHandle"/>).</summary>
    public static nint AddressOf(in System.Buffers.MemoryHandle handle) => (nint)handle.Pointer;

    /// <summary>Address of the first byte of <paramref name="span"/> at this moment (unpinned managed memory may move after).</summary>
    public static nint AddressOf(Span<byte> span) => (nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span));

    public static void Copy(nint source, nint destination, int length) =>
        Buffer.MemoryCopy((void*)source, (void*)destination, length, length);
}
