// Follows mm/readahead.c (a window of reads ahead of the reader) and the writeback of fs/fs-writeback.c, as sizes.
namespace PinIo;

/// <summary>
/// How a <see cref="DirectFileStream"/> stages its I/O: chunks of <see cref="BufferSize"/> bytes
/// from the file's registered buffer pool, <see cref="ReadAheadDepth"/> of them read ahead of the
/// reader, <see cref="WriteBehindDepth"/> of them written behind the writer. The stream holds at
/// most <c>ReadAheadDepth + WriteBehindDepth + 1</c> chunks of the pool at once (plus one
/// logical block for read-modify-writes), so the file's <see cref="DirectFileOptions.BufferPoolBytes"/>
/// must hold them.
/// </summary>
public sealed class DirectFileStreamOptions
{
    /// <summary>
    /// Bytes of one staging chunk, and so of one Direct I/O request: a multiple of the page size
    /// (4096) and of the file's <see cref="DirectFile.Alignment"/>. 1 MiB by default.
    /// </summary>
    public int BufferSize { get; init; } = 1 << 20;

    /// <summary>
    /// Reads in flight ahead of the reader, as the kernel's readahead window for a sequential
    /// reader (mm/readahead.c): the device works on the next chunks while the caller copies out
    /// of the current one. At least 1; 4 by default.
    /// </summary>
    public int ReadAheadDepth { get; init; } = 4;

    /// <summary>
    /// Full chunks whose writes may be in flight while the caller fills the next one (a bounded
    /// write-behind queue): a writer that gets that far ahead waits for the oldest write.
    /// At least 1; 4 by default.
    /// </summary>
    public int WriteBehindDepth { get; init; } = 4;
}
