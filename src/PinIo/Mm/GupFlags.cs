// Follows include/linux/mm_types.h (FOLL_WRITE, FOLL_LONGTERM).
namespace PinIo.Mm;

/// <summary>
/// The FOLL_* flags of a <see cref="Gup"/> call: how the caller will use the pages it takes.
/// </summary>
[Flags]
public enum GupFlags
{
    /// <summary>A short-term acquisition of pages the I/O only reads from (the memory side of a write).</summary>
    None = 0,

    /// <summary>FOLL_WRITE: the pages will be written into (the memory side of a read).</summary>
    Write = 1,

    /// <summary>FOLL_LONGTERM: held indefinitely (registered buffers). Only valid with a pin.</summary>
    LongTerm = 2,
}
