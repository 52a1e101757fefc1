// Follows fs/xfs/xfs_iomap.c (xfs_direct_write_iomap_begin, xfs_iomap_write_unwritten) and xfs_dio_write_end_io.
using PinIo.Block;

namespace PinIo.Fs;

public sealed partial class VolumeFile : IIomapInode
{
    /// <summary>The volume's device, where the file's blocks live (<see cref="IIomapInode.Device"/>).</summary>
    public IBlockDevice Device => _volume.Device;

    int IIomapInode.BlockSize => _volume.BlockSize;

    long IIomapInode.Size => _inode.Size;

    /// <summary>
    /// The extent holding <paramref name="offset"/>, clipped to the blocks that
    /// [offset, offset + length) touches. A written extent mapped before costs no lock (the
    /// map remembers it); any other a lock and a binary search. A
    /// write into a hole allocates unwritten blocks (as many contiguous ones as one free run
    /// gives) and returns them as Unwritten|New; when only busy blocks are left it commits
    /// first, and ENOSPC when none are left at all.
    /// </summary>
    public ValueTask<Iomap> IomapBeginAsync(long offset, long length, IomapIntent intent, CancellationToken ct)
    {
        ThrowIfDisposed();
        return IomapBeginCore(offset, length, intent, ct);
    }

    /// <summary><see cref="IomapBeginAsync"/> without the handle's checks: the page cache maps through it with no handle open.</summary>
    internal ValueTask<Iomap> IomapBeginCore(long offset, long length, IomapIntent intent, CancellationToken ct)
    {
        bool write = (intent & IomapIntent.Write) != 0;
        if (offset < 0 || length <= 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"mapping of \"{Name}\" at offset {offset} for {length} bytes: the offset must not be negative and the length positive");
        }
        if (offset >= VolumeGeometry.MaxFileBytes || (write && offset > VolumeGeometry.MaxFileBytes - length))
        {
            ThrowHelper.ThrowDirectIo(Errno.EFBIG, $"{(write ? "write" : "read")} of \"{Name}\" at offset {offset} for {length} bytes reaches past the largest file of {VolumeGeometry.MaxFileBytes} bytes");
        }
        return TryMap(offset, length, intent, out Iomap map) ? new ValueTask<Iomap>(map) : AllocateAfterCommitAsync(offset, length, intent, ct);
    }

    /// <summary>
    /// Once per write request, after its data I/O: the blocks [offset, offset + bytesDone)
    /// touches become written (the Direct I/O path zeroed the rest of any partial new block
    /// before reporting those bytes), and the size moves to cover them. Logged; durable at the
    /// next commit, whose leading flush makes the data durable first.
    /// </summary>
    public ValueTask DioEndIoAsync(long offset, long bytesDone, bool unwritten, CancellationToken ct)
    {
        ThrowIfDisposed();
        if (bytesDone <= 0)
        {
            return ValueTask.CompletedTask;
        }
        int b = _volume.BlockSize;
        long end = offset + bytesDone;
        // An overwrite inside the size logs nothing, so it has nothing to commit either: no
        // lock. The size cannot shrink under it (a truncate waits for the file's Direct I/O).
        if (!unwritten && end <= _inode.Size)
        {
            return ValueTask.CompletedTask;
        }
        lock (_volume.MetadataLock)
        {
            if (unwritten)
            {
                long first = offset / b;
                _volume.Journal.Apply(JournalRecord.Convert(_inode.Id, first, BlocksCovering(end, b) - first));
            }
            if (end > _inode.Size)
            {
                _volume.Journal.Apply(JournalRecord.SetSize(_inode.Id, end));
            }
        }
        return _volume.CommitIfLargeAsync(ct);
    }

    /// <summary>
    /// The page cache's end_io: the blocks a writeback wrote become written; the size, which
    /// the buffered write moved already, stays (the page's bytes past it are not the file's).
    /// </summary>
    internal ValueTask ConvertWrittenAsync(long offset, long bytesDone, bool unwritten, CancellationToken ct)
    {
        if (bytesDone <= 0 || !unwritten)
        {
            return ValueTask.CompletedTask;
        }
        int b = _volume.BlockSize;
        lock (_volume.MetadataLock)
        {
            long first = offset / b;
            _volume.Journal.Apply(JournalRecord.Convert(_inode.Id, first, BlocksCovering(offset + bytesDone, b) - first));
        }
        return _volume.CommitIfLargeAsync(ct);
    }

    private async ValueTask<Iomap> AllocateAfterCommitAsync(long offset, long length, IomapIntent intent, CancellationToken ct)
    {
        await _volume.Journal.CommitAsync(forceCompaction: false, ct).ConfigureAwait(false);
        if (!TryMap(offset, length, intent, out Iomap map))
        {
            FreeSpace free = _volume.Metadata.FreeSpace;
            ThrowHelper.ThrowDirectIo(Errno.ENOSPC, $"no free block on the volume for \"{Name}\" at offset {offset} ({free.FreeBlocks} free, {free.BusyBlocks} waiting for a commit): delete or truncate files");
        }
        return map;
    }

    /// <summary>False only when a write must allocate and no block is free now: the caller commits (freeing busy blocks) and retries.</summary>
    private bool TryMap(long offset, long length, IomapIntent intent, out Iomap map)
    {
        int b = _volume.BlockSize, shift = _volume.BlockShift;
        long block = offset >> shift;
        long endBlock = Math.Min((offset + length + b - 1) >> shift, VolumeGeometry.MaxFileBytes >> shift);
        ExtentMap extents = _inode.Map;
        if (extents.TryFindRemembered(block, out Extent e))
        {
            map = ToIomap(e.Slice(block, endBlock), b, IomapFlags.None);
            return true;
        }
        lock (_volume.MetadataLock)
        {
            if (extents.TryFind(block, out e, out int next))
            {
                extents.Remember(e);
                map = ToIomap(e.Slice(block, endBlock), b, IomapFlags.None);
                return true;
            }
            long holeEnd = Math.Min(extents.HoleEnd(next), endBlock);
            if ((intent & IomapIntent.Write) == 0)
            {
                map = new Iomap(block * b, (holeEnd - block) * b, IomapType.Hole, 0, IomapFlags.None);
                return true;
            }
            if ((intent & IomapIntent.NoWait) != 0)
            {
                ThrowHelper.ThrowDirectIo(Errno.EAGAIN, $"write of \"{Name}\" at offset {offset} would allocate blocks (NoWait): retry without it");
            }
            _volume.Journal.ThrowIfShutDown();
            Extent? placed = AllocateInHole(block, holeEnd, next);
            map = placed is { } p ? ToIomap(p, b, IomapFlags.New) : default;
            return placed is not null;
        }
    }
}
