// Follows include/linux/uio.h (enum iter_type, ITER_DEST/ITER_SOURCE).
namespace PinIo.Iov;

/// <summary>
/// What memory an <see cref="IovIter"/> describes (enum iter_type), which decides how Direct I/O
/// takes its pages: pinned (<see cref="Iovec"/>, <see cref="Pipe"/>), left alone
/// (<see cref="Kvec"/>, <see cref="Bvec"/>) or refused (<see cref="Discard"/>). A bio holds pages
/// of one class only.
/// </summary>
public enum IterKind
{
    /// <summary>ITER_IOVEC: caller (user) memory; Direct I/O pins it.</summary>
    Iovec,

    /// <summary>ITER_KVEC: native memory the caller owns; never pinned, refcounts untouched.</summary>
    Kvec,

    /// <summary>ITER_BVEC: pages the caller already references; never pinned, refcounts untouched.</summary>
    Bvec,

    /// <summary>ITER_PIPE: the pages of a <see cref="PipeBuffer"/>; each pinned on top of the pipe's reference.</summary>
    Pipe,

    /// <summary>ITER_DISCARD: no memory; copies into it are dropped, Direct I/O fails with EFAULT.</summary>
    Discard,
}

/// <summary>
/// Which way data flows through an <see cref="IovIter"/>'s memory (ITER_DEST / ITER_SOURCE;
/// older kernels said READ / WRITE, the I/O's direction, which is the memory's opposite).
/// </summary>
public enum IterDirection
{
    /// <summary>ITER_DEST: data flows into the iterator's memory (a read fills it).</summary>
    Dest,

    /// <summary>ITER_SOURCE: data flows out of the iterator's memory (a write drains it).</summary>
    Source,
}
