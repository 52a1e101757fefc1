// Follows include/linux/uio.h (struct kvec) and include/linux/bvec.h (struct bio_vec).
using PinIo.Mm;

namespace PinIo.Iov;

/// <summary>A range of native memory the caller owns and keeps alive for the whole I/O (struct kvec).</summary>
public readonly record struct KernelVec(nint Address, int Length);

/// <summary>
/// A range of bytes on referenced pages (struct bio_vec): <see cref="Length"/> bytes from
/// <see cref="Offset"/> into <see cref="Page"/>; a merged vec runs on into the pages that
/// follow <see cref="Page"/> in memory.
/// </summary>
public readonly record struct BioVec(Page Page, int Offset, int Length)
{
    /// <summary>Address of the first byte.</summary>
    public nint Address => Page.Address + Offset;
}
