// Follows mm/mmap.c and mm/memory.c (a shared file mapping: the page cache's own pages in the caller's address space; msync's dirtying).
using PinIo.Mm;

namespace PinIo.Fs;

/// <summary>
/// Cache pages of a file lent to the caller as one span of memory (<see cref="VolumeFile.MapAsync"/>):
/// the <c>mmap</c> of a Volume. The pages are the cache's own <see cref="Page"/> objects, so a
/// Direct I/O into <see cref="Memory"/> pins them (<see cref="Gup.PinUserPages"/>) and the
/// cache's writeback sees the pin. They stay referenced — never evicted — until
/// <see cref="Dispose"/>. Writes into the memory reach the file only once the range is marked
/// dirty: <see cref="MarkDirty"/>, and disposal after it (the dirty bits of mapped pages, which
/// a page fault would set in the kernel). A Direct I/O that read into the memory dirties the
/// pages itself when it unpins them.
/// </summary>
public sealed class MappedRange : IDisposable
{
    private readonly FileCache _file;
    private readonly Page[] _pages;
    private readonly MappedMemory _memory;
    private int _markedDirty;
    private int _disposed;

    internal MappedRange(FileCache file, Page[] pages, long offset, int length)
    {
        _file = file;
        _pages = pages;
        Offset = offset;
        Length = length;
        _memory = new MappedMemory(pages[0].Address, length);
    }

    /// <summary>The file offset the memory starts at (page-aligned).</summary>
    public long Offset { get; }

    /// <summary>Bytes mapped.</summary>
    public int Length { get; }

    /// <summary>The mapped bytes: valid until <see cref="Dispose"/>, after which using it throws.</summary>
    public Memory<byte> Memory => _memory.Memory;

    /// <summary>
    /// Marks every page of the range dirty, so the next writeback (<see cref="VolumeFile.FlushAsync"/>,
    /// the background flusher) writes what the caller put in the memory. Disposal after a
    /// MarkDirty marks them once more, covering writes between the two.
    /// </summary>
    public void MarkDirty()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Volatile.Write(ref _markedDirty, 1);
        DirtyPages();
    }

    /// <summary>Gives the pages back to the cache (and the dirtying of <see cref="MarkDirty"/> once more).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (Volatile.Read(ref _markedDirty) != 0)
        {
            DirtyPages();
        }
        _memory.Close();
        foreach (Page page in _pages)
        {
            page.Put();
        }
    }

    private void DirtyPages()
    {
        foreach (Page page in _pages)
        {
            if (!page.IsDirty)
            {
                page.SetDirty();
                _file.NoteDirtied();
            }
        }
    }
}
