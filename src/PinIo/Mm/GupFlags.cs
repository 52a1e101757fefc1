// Follows include/linux/mm_types.h (FOLL_WRITE, FOLL_LONGTERM).
namespace PinIo.Mm;

[Flags]
public enum GupFlags
{
    None = 0,

    /// <summary>FOLL_WRITE: the pages will be written into (the memory side of a read).</summary>
    Write = 1,

    /// <summary>FOLL_LONGTERM: held indefinitely (registered buffers). Only valid with a pin.</summary>
    LongTerm = 2,
}
