// Follows fs/xfs/libxfs/xfs_bmap.h (struct xfs_bmbt_irec: startoff, startblock, blockcount, state).
namespace PinIo.Fs;

/// <summary>
/// A run of a file's blocks on the device, in file-system blocks: file block
/// <see cref="FileBlock"/> is device block <see cref="DeviceBlock"/>, for <see cref="Count"/>
/// blocks. <see cref="Unwritten"/> blocks are allocated but read as zeroes.
/// </summary>
internal readonly record struct Extent(long FileBlock, long DeviceBlock, long Count, bool Unwritten)
{
    public long FileEnd => FileBlock + Count;

    public long DeviceEnd => DeviceBlock + Count;

    /// <summary>The part of this extent covering file blocks [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public Extent Slice(long start, long end)
    {
        long from = Math.Max(start, FileBlock);
        long to = Math.Min(end, FileEnd);
        return new Extent(from, DeviceBlock + (from - FileBlock), to - from, Unwritten);
    }

    /// <summary>Whether <paramref name="next"/> continues this extent in the file and on the device, in the same state.</summary>
    public bool Continues(Extent next) => next.FileBlock == FileEnd && next.DeviceBlock == DeviceEnd && next.Unwritten == Unwritten;
}
