// Follows include/linux/uio.h (struct kvec) and include/linux/bvec.h (struct bio_vec).
using PinIo.Mm;

namespace PinIo.Iov;

/// <summary>A range of native memory the caller owns and keeps alive for the whole I/O (struct kvec).</summary>
/// <param name="Address">The first byte; non-zero when <paramref name="Length"/> is positive. Any alignment (a
/// device may still require <c>DmaAlignment</c>).</param>
/// <param name="Length">Bytes, 0 or more.</param>
public readonly record struct KernelVec(nint Address, int Length);

/// <summary>
/// A range of bytes on referenced pages (struct bio_vec): <see cref="Length"/> bytes from
/// <see cref="Offset"/> into <see cref="Page"/>; a merged vec runs on into the pages that
/// follow <see cref="Page"/> in memory.
/// </summary>
/// <param name="Page">The first page; the holder of the vec keeps a reference (or pin) on every page it covers.</param>
/// <param name="Offset">Byte offset of the first byte from <c>Page.Address</c>, 0 or more (may pass 4095 in a merged vec).</param>
/// <param name="Length">Bytes, 0 or more.</param>
public readonly record struct BioVec(Page Page, int Offset, int Length)
{
    /// <summary>Address of the first byte.</summary>
    public nint Address => Page.Address + Offset;
}
