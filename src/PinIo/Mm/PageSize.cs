// Follows include/asm-generic/page.h (PAGE_SIZE, PAGE_SHIFT, PAGE_MASK).
using System.Runtime.CompilerServices;
namespace PinIo.Mm;

/// <summary>The page geometry PinIo works in: 4 KiB pages, as on x86-64 Linux.</summary>
public static class PageSize
{
    /// <summary>PAGE_SHIFT: log2 of <see cref="Bytes"/>; an address shifted right by it is a page number.</summary>
    public const int Shift = 12;

    /// <summary>PAGE_SIZE: 4096 bytes, the unit of every pin, <see cref="Page"/> and pool page.</summary>
    public const int Bytes = 1 << Shift;

    /// <summary>~PAGE_MASK: the bits of an address below the page boundary (4095).</summary>
    public const long OffsetMask = Bytes - 1;

    /// <summary>The start of the page that holds <paramref name="address"/> (rounds down to 4 KiB).</summary>
    public static nint AlignDown(nint address) => address & ~(nint)OffsetMask;

    /// <summary>offset_in_page(): the byte offset of <paramref name="address"/> within its page, 0 to 4095.</summary>
    public static int OffsetIn(nint address) => (int)(address & (nint)OffsetMask);

    /// <summary>Number of pages that cover <paramref name="length"/> bytes starting at <paramref name="address"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int PagesSpanned(nint address, long length) =>
        length <= 0 ? 0 : (int)(((address & (nint)OffsetMask) + length + OffsetMask) >> Shift);
}
