// Follows fs/direct-io.c (get_block_t as get_more_blocks asks it) and fs/buffer.c (map_bh: BH_Mapped, BH_New, BH_Unwritten).
namespace PinIo.Fs;

/// <summary>
/// What a get_block call answers for a run of file blocks: <see cref="Blocks"/> blocks from
/// <see cref="FileBlock"/>, at <see cref="DeviceOffset"/> bytes on the device unless a hole;
/// new (just allocated) or unwritten blocks must never show what the device held.
/// </summary>
internal readonly record struct LegacyBlockRun(long FileBlock, long Blocks, long DeviceOffset, bool Hole, bool New, bool Unwritten)
{
    public bool Fresh => New || Unwritten;
}

public static partial class LegacyDirectIo
{
    /// <summary>
    /// get_block(): the run of up to <paramref name="maxBlocks"/> file-system blocks from
    /// <paramref name="fileBlock"/>, allocating holes when <paramref name="create"/> — an
    /// adapter over <see cref="IIomapInode.IomapBeginAsync"/>, which answers in extents.
    /// </summary>
    internal static async ValueTask<LegacyBlockRun> GetBlocksAsync(IIomapInode inode, long fileBlock, long maxBlocks, bool create, bool noWait, CancellationToken ct)
    {
        int blockSize = inode.BlockSize;
        long pos = fileBlock * blockSize;
        IomapIntent intent = (create ? IomapIntent.Write : IomapIntent.Read) | (noWait ? IomapIntent.NoWait : IomapIntent.Read);
        Iomap map = await inode.IomapBeginAsync(pos, maxBlocks * blockSize, intent, ct).ConfigureAwait(false);
        long bytes = DioFileRange.ChunkOf(map, pos, maxBlocks * blockSize);
        long blocks = Math.Max(1, (bytes + blockSize - 1) / blockSize);
        bool hole = map.Type == IomapType.Hole;
        if (hole && create)
        {
            ThrowHelper.ThrowDirectIo(Errno.EIO, $"Write at offset {pos}: the file system mapped a hole for a write (it must allocate): a file-system bug");
        }
        return new LegacyBlockRun(fileBlock, blocks, hole ? -1 : map.DeviceOffsetOf(pos), hole, (map.Flags & IomapFlags.New) != 0, map.Type == IomapType.Unwritten);
    }
}
