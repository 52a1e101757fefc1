// Follows fs/xfs/xfs_bmap_util.c (xfs_alloc_file_space) and fs/iomap/buffered-io.c's zeroing of a partial block (iomap_zero_range).
namespace PinIo.Fs;

public sealed partial class VolumeFile
{
    /// <summary>Blocks of [first, end) that no extent covers. Caller holds the metadata lock.</summary>
    private long HoleBlocks(long first, long end)
    {
        long holes = 0;
        for (long at = first; at < end;)
        {
            if (_inode.Map.TryFind(at, out Extent e, out int next))
            {
                at = e.FileEnd;
                continue;
            }
            long holeEnd = Math.Min(_inode.Map.HoleEnd(next), end);
            holes += holeEnd - at;
            at = holeEnd;
        }
        return holes;
    }

    /// <summary>Maps every hole of [first, end) to unwritten blocks; the caller checked there are enough. Caller holds the metadata lock.</summary>
    private void FillHoles(long first, long end)
    {
        for (long at = first; at < end;)
        {
            if (_inode.Map.TryFind(at, out Extent e, out int next))
            {
                at = e.FileEnd;
                continue;
            }
            Extent placed = AllocateInHole(at, Math.Min(_inode.Map.HoleEnd(next), end), next)
                ?? throw new InvalidOperationException("free space ran out after it was counted under the same lock");
            at = placed.FileEnd;
        }
    }

    /// <summary>
    /// Maps as much of the hole [at, holeEnd) as one free run gives, as unwritten blocks,
    /// next-fit after the extent before the hole so that the file stays contiguous. Null when
    /// no block is free. Caller holds the metadata lock.
    /// </summary>
    private Extent? AllocateInHole(long at, long holeEnd, int next)
    {
        VolumeMetadata metadata = _volume.Metadata;
        long goal = _inode.Map.Before(next) is { } before ? before.DeviceEnd + (at - before.FileEnd) : metadata.AllocationCursor;
        BlockRange run = metadata.FreeSpace.Find(goal, holeEnd - at);
        if (run.Count == 0)
        {
            return null;
        }
        var extent = new Extent(at, run.Start, run.Count, Unwritten: true);
        _volume.Journal.Apply(JournalRecord.Map(_inode.Id, extent));
        return extent;
    }

    /// <summary>
    /// Zeroes file bytes [from, to), which lie in one block, on the device when that block is
    /// written (an unwritten block or a hole reads as zeroes already): a read-modify-write of
    /// the whole block. Ordered before the metadata change it serves by the commit's leading flush.
    /// </summary>
    /// <summary>
    /// Before the size grows (truncate up, fallocate, a write past the end): zeroes the rest of
    /// the block the old size ends in, as XFS and iomap zero on extension. Those bytes were never
    /// the file's, but the device may hold data there: a write whose size update a power cut
    /// lost, or whatever the block held before. Zeroed before the size moves, so the journal
    /// commit's leading flush makes the zeroes durable before the new size is.
    /// Caller holds the file's layout gate exclusively.
    /// </summary>
    private ValueTask ZeroPastEndOfFileAsync(CancellationToken ct)
    {
        int b = _volume.BlockSize;
        long size = _inode.Size;
        return size % b == 0 ? ValueTask.CompletedTask : ZeroInBlockAsync(size, (size / b + 1) * b, ct);
    }

    private async ValueTask ZeroInBlockAsync(long from, long to, CancellationToken ct)
    {
        int b = _volume.BlockSize;
        long block = from / b;
        long deviceBlock;
        lock (_volume.MetadataLock)
        {
            if (!_inode.Map.TryFind(block, out Extent e, out _) || e.Unwritten)
            {
                return;
            }
            deviceBlock = e.DeviceBlock + (block - e.FileBlock);
        }
        byte[] data = new byte[b];
        MetadataIo io = _volume.MetadataIo;
        await io.ReadAsync(deviceBlock * b, data, ct).ConfigureAwait(false);
        data.AsSpan((int)(from - block * b), (int)(to - from)).Clear();
        await io.WriteAsync(deviceBlock * b, data, ct).ConfigureAwait(false);
    }
}
