// Follows fs/xfs/xfs_file.c (setattr size, fallocate, punch hole, fsync) for a file of a Volume.
namespace PinIo.Fs;

/// <summary>
/// An open file of a <see cref="Volume"/>. Many tasks may call one concurrently; changes of
/// its size and layout (<see cref="SetLengthAsync"/>, <see cref="AllocateAsync"/>,
/// <see cref="PunchHoleAsync"/>) are serialized with each other and wait for the Direct I/O in
/// flight, holding new requests back until they are done. Metadata changes are
/// durable at <see cref="FlushAsync"/>. Disposing closes this handle only.
/// </summary>
public sealed partial class VolumeFile : IDisposable
{
    private readonly Volume _volume;
    private readonly VolumeInode _inode;
    private int _disposed;

    internal VolumeFile(Volume volume, VolumeInode inode)
    {
        _volume = volume;
        _inode = inode;
    }

    /// <summary>The file's name on its volume (flat namespace, ordinal comparison).</summary>
    public string Name => _inode.Name;

    /// <summary>
    /// The file's size in bytes (i_size): no read returns bytes at or past it. An appending
    /// Direct write moves it only once its data is on the device; a buffered one at once.
    /// </summary>
    public long Length => _inode.Size;

    /// <summary>The volume the file lives on.</summary>
    public Volume Volume => _volume;

    internal VolumeInode Inode => _inode;

    /// <summary>
    /// The file's map (FIEMAP), in bytes: mapped and unwritten extents with their device
    /// offsets, and the gaps between them (and up to the size) as holes.
    /// </summary>
    public IReadOnlyList<Iomap> Extents
    {
        get
        {
            int b = _volume.BlockSize;
            var result = new List<Iomap>();
            long at = 0;
            lock (_volume.MetadataLock)
            {
                foreach (Extent e in _inode.Map.Extents)
                {
                    if (e.FileBlock > at)
                    {
                        result.Add(new Iomap(at * b, (e.FileBlock - at) * b, IomapType.Hole, 0, IomapFlags.None));
                    }
                    result.Add(ToIomap(e, b, IomapFlags.None));
                    at = e.FileEnd;
                }
                long sizeBlocks = BlocksCovering(_inode.Size, b);
                if (sizeBlocks > at)
                {
                    result.Add(new Iomap(at * b, (sizeBlocks - at) * b, IomapType.Hole, 0, IomapFlags.None));
                }
            }
            return result;
        }
    }

    /// <summary>
    /// Sets the size (ftruncate). Shrinking frees the blocks past the new end and zeroes the
    /// rest of the block it falls in, so that growing again shows zeroes; growing leaves a hole.
    /// Waits for the file's Direct I/O in flight. Durable at <see cref="FlushAsync"/>.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: a negative length.
    /// <see cref="Errno.EFBIG"/>: past <see cref="Volume.MaxFileLength"/>. The device's errno when zeroing fails.</exception>
    /// <exception cref="ObjectDisposedException">The handle or its volume is disposed.</exception>
    public async ValueTask SetLengthAsync(long length, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        CheckRange(nameof(SetLengthAsync), length, 0);
        FileCache? cache = Volatile.Read(ref _inode.Cache);
        using (cache is null ? null : await cache.LockWritebackAsync(ct).ConfigureAwait(false))
        using (await _inode.Dio.EnterLayoutChangeAsync(ct).ConfigureAwait(false))
        {
            if (length < _inode.Size)
            {
                // truncate_pagecache: no writeback runs meanwhile (its lock is held), so none writes a dropped page.
                cache?.Truncate(length);
            }
            int b = _volume.BlockSize;
            if (length < _inode.Size && length % b != 0)
            {
                await ZeroInBlockAsync(length, (length / b + 1) * b, ct).ConfigureAwait(false);
            }
            else if (length > _inode.Size)
            {
                await ZeroPastEndOfFileAsync(ct).ConfigureAwait(false);
            }
            lock (_volume.MetadataLock)
            {
                long keep = BlocksCovering(length, b);
                long end = _inode.Map.EndBlock;
                if (end > keep)
                {
                    _volume.Journal.Apply(JournalRecord.Unmap(_inode.Id, keep, end - keep));
                }
                if (length != _inode.Size)
                {
                    _volume.Journal.Apply(JournalRecord.SetSize(_inode.Id, length));
                }
            }
        }
        await _volume.CommitIfLargeAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// fallocate(mode 0): every hole in the range gets unwritten blocks (reading as zeroes)
    /// and the size grows to cover the range. All or nothing: ENOSPC changes nothing.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: a negative offset, or a length that is
    /// not positive. <see cref="Errno.ENOSPC"/>: not enough free blocks. <see cref="Errno.EFBIG"/>: past
    /// <see cref="Volume.MaxFileLength"/>.</exception>
    /// <exception cref="ObjectDisposedException">The handle or its volume is disposed.</exception>
    public async ValueTask AllocateAsync(long offset, long length, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        CheckRange(nameof(AllocateAsync), offset, length);
        using (await _inode.Dio.EnterLayoutChangeAsync(ct).ConfigureAwait(false))
        {
            if (offset + length > _inode.Size)
            {
                await ZeroPastEndOfFileAsync(ct).ConfigureAwait(false);
            }
            int b = _volume.BlockSize;
            long first = offset / b, end = BlocksCovering(offset + length, b);
            for (int attempt = 0; ; attempt++)
            {
                bool needCommit;
                lock (_volume.MetadataLock)
                {
                    _volume.Journal.ThrowIfShutDown();
                    long holes = HoleBlocks(first, end);
                    FreeSpace free = _volume.Metadata.FreeSpace;
                    needCommit = holes > free.FreeBlocks;
                    if (needCommit && (attempt > 0 || holes > free.FreeBlocks + free.BusyBlocks))
                    {
                        throw new DirectIoException(Errno.ENOSPC, $"allocating {length} bytes at offset {offset} of \"{Name}\" needs {holes} blocks; " +
                            $"the volume has {free.FreeBlocks + free.BusyBlocks} free: nothing was allocated (delete or truncate files)");
                    }
                    if (!needCommit)
                    {
                        FillHoles(first, end);
                        if (offset + length > _inode.Size)
                        {
                            _volume.Journal.Apply(JournalRecord.SetSize(_inode.Id, offset + length));
                        }
                    }
                }
                if (!needCommit)
                {
                    break;
                }
                // Blocks freed by uncommitted changes are busy: a commit frees them.
                await _volume.Journal.CommitAsync(forceCompaction: false, ct).ConfigureAwait(false);
            }
        }
        await _volume.CommitIfLargeAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// fallocate(PUNCH_HOLE | KEEP_SIZE): the whole blocks in the range become a hole (their
    /// blocks freed), the parts of blocks at its edges are zeroed; the size does not change.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: a negative offset, or a length that is
    /// not positive. <see cref="Errno.EFBIG"/>: past <see cref="Volume.MaxFileLength"/>. The device's errno
    /// when zeroing the edges fails.</exception>
    /// <exception cref="ObjectDisposedException">The handle or its volume is disposed.</exception>
    public async ValueTask PunchHoleAsync(long offset, long length, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        CheckRange(nameof(PunchHoleAsync), offset, length);
        FileCache? cache = Volatile.Read(ref _inode.Cache);
        using (cache is null ? null : await cache.LockWritebackAsync(ct).ConfigureAwait(false))
        using (await _inode.Dio.EnterLayoutChangeAsync(ct).ConfigureAwait(false))
        {
            int b = _volume.BlockSize;
            long end = offset + length;
            cache?.Punch(offset, Math.Min(end, Math.Max(_inode.Size, offset)));
            long firstWhole = BlocksCovering(offset, b), endWhole = end / b;
            if (firstWhole > endWhole)
            {
                await ZeroInBlockAsync(offset, end, ct).ConfigureAwait(false);
                return;
            }
            if (offset < firstWhole * b)
            {
                await ZeroInBlockAsync(offset, firstWhole * b, ct).ConfigureAwait(false);
            }
            if (end > endWhole * b)
            {
                await ZeroInBlockAsync(endWhole * b, end, ct).ConfigureAwait(false);
            }
            if (endWhole > firstWhole)
            {
                lock (_volume.MetadataLock)
                {
                    if (_inode.Map.Overlaps(firstWhole, endWhole))
                    {
                        _volume.Journal.Apply(JournalRecord.Unmap(_inode.Id, firstWhole, endWhole - firstWhole));
                    }
                }
            }
        }
        await _volume.CommitIfLargeAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// fsync: the file's dirty cached pages are written back, then the data of every write that
    /// completed is made durable by the commit's leading flush, then the journal (this file's
    /// metadata with everything before it), then a flush. When it returns, the file's data and
    /// the metadata that reaches it survive a power cut.
    /// </summary>
    /// <exception cref="DirectIoException">The device's errno (EIO, ENOSPC, ...) when writeback, the commit or the flush fails.</exception>
    /// <exception cref="ObjectDisposedException">The handle or its volume is disposed.</exception>
    public async ValueTask FlushAsync(CancellationToken ct = default)
    {
        ThrowIfDisposed();
        if (Volatile.Read(ref _inode.Cache) is { } cache)
        {
            await cache.WritebackAsync(0, long.MaxValue, ct).ConfigureAwait(false);
        }
        await _volume.Journal.CommitAsync(forceCompaction: false, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes this handle (the file stays on the volume; a file can be deleted only when all its
    /// handles are closed). Does not flush: call <see cref="FlushAsync"/> for durability. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _volume.Close(_inode);
        }
    }

    internal static Iomap ToIomap(Extent e, int blockSize, IomapFlags flags) =>
        new(e.FileBlock * blockSize, e.Count * blockSize, e.Unwritten ? IomapType.Unwritten : IomapType.Mapped, e.DeviceBlock * blockSize, flags);

    internal static long BlocksCovering(long bytes, int blockSize) => (bytes + blockSize - 1) / blockSize;

    private void ThrowIfDisposed()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _volume.ThrowIfDisposed();
    }

    private void CheckRange(string operation, long offset, long length)
    {
        if (offset < 0 || length < 0 || (length == 0 && operation != nameof(SetLengthAsync)))
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"{operation} on \"{Name}\": offset {offset} and length {length} must not be negative (and the length not 0)");
        }
        if (offset > VolumeGeometry.MaxFileBytes - length)
        {
            ThrowHelper.ThrowDirectIo(Errno.EFBIG, $"{operation} on \"{Name}\" reaches byte {offset + length}, past the largest file of {VolumeGeometry.MaxFileBytes} bytes");
        }
    }
}
