using PinIo.Mm;

namespace PinIo.Tests.Infrastructure;

/// <summary>Managed arrays placed where a test needs them.</summary>
internal static class ManagedBuffers
{
    /// <summary>
    /// A page-aligned slice of an array on the pinned object heap: its address never changes,
    /// so a test can compute page boundaries before pinning it for I/O.
    /// </summary>
    public static Memory<byte> PageAlignedPinnedHeap(int length, out byte[] array)
    {
        array = GC.AllocateArray<byte>(length + PageSize.Bytes, pinned: true);
        int skip = (int)((PageSize.Bytes - (AddressOf(array) & PageSize.OffsetMask)) & PageSize.OffsetMask);
        return array.AsMemory(skip, length);
    }

    /// <summary>Address of the first element; stable only for pinned arrays or while the caller pins it.</summary>
    public static unsafe nint AddressOf(byte[] array)
    {
        fixed (byte* p = array)
        {
            return (nint)p;
        }
    }

    /// <summary>Address of the first byte of <paramref name="memory"/>; stable only while something pins it.</summary>
    public static unsafe nint AddressOf(Memory<byte> memory)
    {
        using System.Buffers.MemoryHandle handle = memory.Pin();
        return (nint)handle.Pointer;
    }
}
