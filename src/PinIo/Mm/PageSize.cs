// Follows include/asm-generic/page.h (PAGE_SIZE, PAGE_SHIFT, PAGE_MASK).
namespace PinIo.Mm;

/// <summary>The page geometry PinIo works in: 4 KiB pages, as on x86-64 Linux.</summary>
public static class PageSize
{
    public const int Shift = 12;
    public const int Bytes = 1 << Shift;
    public const long OffsetMask = Bytes - 1;

    public static nint AlignDown(nint address) => address & ~(nint)OffsetMask;

    public static int OffsetIn(nint address) => (int)(address & (nint)OffsetMask);

    /// <summary>Number of pages that cover <paramref name="length"/> bytes starting at <paramref name="address"/>.</summary>
    public static int PagesSpanned(nint address, long length) =>
        length <= 0 ? 0 : (int)(((address & (nint)OffsetMask) + length + OffsetMask) >> Shift);
}
