using System.Runtime.InteropServices;

namespace PinIo.Tests.Infrastructure;

/// <summary>Memory for file tests: aligned slices of pinned managed arrays, and native memory the test owns.</summary>
internal static unsafe class FileBuffers
{
    /// <summary>
    /// <paramref name="length"/> bytes of a pinned (POH) array, starting <paramref name="skew"/>
    /// bytes past a page boundary (so an address that is aligned to the file's memory alignment
    /// need not be page-aligned, and the buffer crosses page edges at odd places).
    /// </summary>
    public static Memory<byte> PinnedAligned(int length, int skew = 0)
    {
        byte[] array = GC.AllocateArray<byte>(length + skew + 4096, pinned: true);
        return array.AsMemory(AlignedStart(array, 4096) + skew, length);
    }

    /// <summary>Offset of the first <paramref name="alignment"/>-aligned byte of a pinned <paramref name="array"/>.</summary>
    public static int AlignedStart(byte[] array, int alignment)
    {
        fixed (byte* p = array)
        {
            return (int)((alignment - ((nint)p & (alignment - 1))) & (alignment - 1));
        }
    }

    /// <summary>Address of a pinned array's byte (the array must be on the pinned heap).</summary>
    public static nint AddressOf(Memory<byte> pinned)
    {
        using System.Buffers.MemoryHandle handle = pinned.Pin();
        return (nint)handle.Pointer;
    }

    /// <summary>Page-aligned native memory, zeroed. Free with <see cref="FreeNative"/>.</summary>
    public static nint AllocNative(int length)
    {
        void* p = NativeMemory.AlignedAlloc((nuint)length, 4096);
        NativeMemory.Clear(p, (nuint)length);
        return (nint)p;
    }

    public static void FreeNative(nint address) => NativeMemory.AlignedFree((void*)address);

    public static Span<byte> Native(nint address, int length) => new((void*)address, length);
}
