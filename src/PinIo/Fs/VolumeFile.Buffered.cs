// Follows mm/filemap.c (filemap_read), fs/iomap/buffered-io.c (iomap_file_buffered_write, iomap_write_begin) and xfs_file.c (xfs_file_buffered_write, fsync).
using PinIo.Mm;

namespace PinIo.Fs;

public sealed partial class VolumeFile
{
    /// <summary>Pages a buffered read looks up under one acquisition of the file's cache lock (filemap_get_read_batch's folio batch).</summary>
    private const int ReadBatchPages = 32;

    // The lookups of one batch, on the reading thread, used between two awaits and emptied before the next.
    [ThreadStatic]
    private static Page?[]? t_readBatch;

    private readonly ReadaheadState _readahead = new();

    /// <summary>
    /// Buffered read through the volume's page cache at any offset and length: cached pages are
    /// copied out; missing ones are read with this handle's read-ahead window (holes and
    /// unwritten blocks are zero pages with no device I/O). Stops at the size; returns the
    /// bytes read (0 at or past the end). Thread-safe.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: a negative offset. The device's errno (EIO, ...) when an I/O fails before any byte was done.</exception>
    /// <exception cref="ObjectDisposedException">The handle or its volume is disposed.</exception>
    public ValueTask<int> ReadBufferedAsync(long offset, Memory<byte> buffer, CancellationToken ct = default) =>
        ReadBufferedAsync(offset, buffer, DirectIoFlags.None, ct);

    /// <summary>
    /// <see cref="ReadBufferedAsync(long, Memory{byte}, CancellationToken)"/> with
    /// <paramref name="flags"/>: with <see cref="DirectIoFlags.InlineCompletion"/> a read that
    /// waits for the device goes on, and finishes, on the thread that completed the device's
    /// read (the device's completion thread), as a Direct read with that flag does: no hop to
    /// the thread pool between the device and the copy (a read that waits for pages another
    /// reader's read is bringing goes on where that read ended: the completion thread when it
    /// was read-ahead or inline itself). The continuation must not block.
    /// Other flags have no meaning for a buffered read and are refused (EINVAL).
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: a flag other than
    /// <see cref="DirectIoFlags.InlineCompletion"/>, or a negative offset. The device's errno (EIO, ...) when an I/O fails before any byte was done.</exception>
    /// <exception cref="ObjectDisposedException">The handle or its volume is disposed.</exception>
    public async ValueTask<int> ReadBufferedAsync(long offset, Memory<byte> buffer, DirectIoFlags flags, CancellationToken ct = default)
    {
        if ((flags & ~DirectIoFlags.InlineCompletion) != 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"ReadBufferedAsync on \"{Name}\" with {flags}: a buffered read takes only DirectIoFlags.InlineCompletion");
        }
        ThrowIfDisposed();
        CheckBufferedOffset(nameof(ReadBufferedAsync), offset);
        long size = _inode.Size;
        if (buffer.IsEmpty || offset >= size)
        {
            return 0;
        }
        FileCache cache = _volume.PageCache.For(_inode);
        int total = (int)Math.Min(buffer.Length, size - offset);
        long lastIndex = (offset + total - 1) >> PageSize.Shift;
        int done = 0, hits = 0;
        long filledFrom = -1, filledTo = -1;
        while (done < total)
        {
            long index = (offset + done) >> PageSize.Shift;
            Page?[] batch = t_readBatch ??= new Page?[ReadBatchPages];
            int found = cache.FindRun(index, batch.AsSpan(0, (int)Math.Min(ReadBatchPages, lastIndex - index + 1)));
            if (found == 0)
            {
                // A page being read (by read-ahead, or another reader's fill): wait for that read only.
                if (cache.FillCovering(index, flags) is { } inFlight)
                {
                    await inFlight.ConfigureAwait(false);
                    continue;
                }
                int needed = (int)(lastIndex - index + 1);
                await ReadMissAsync(cache, index, needed, flags, ct).ConfigureAwait(false);
                (filledFrom, filledTo) = (index, index + needed);
                continue;
            }
            done += CopyOut(cache, batch.AsSpan(0, found), offset + done, buffer.Span[done..total], filledFrom, filledTo, ref hits);
        }
        if (hits != 0)
        {
            _volume.PageCache.CountHits(hits);
        }
        _readahead.OnRead(lastIndex);
        return done;
    }

    /// <summary>
    /// Buffered write through the volume's page cache at any offset and length: a page the
    /// write covers only in part is read first (read-modify-write); the pages become dirty and
    /// reach the device at writeback (<see cref="FlushAsync"/>, <see cref="Volume.SyncAsync"/>,
    /// the background flusher, unmount). Blocks are allocated at writeback (delayed
    /// allocation), so ENOSPC shows at the flush. A write past the end moves the size at once,
    /// after zeroing on the device the rest of the block the old size ended in. Returns the bytes written.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: a negative offset.
    /// <see cref="Errno.EFBIG"/>: past <see cref="Volume.MaxFileLength"/>. The device's errno (EIO, ...) when an I/O fails before any byte was done.</exception>
    /// <exception cref="ObjectDisposedException">The handle or its volume is disposed.</exception>
    public async ValueTask<int> WriteBufferedAsync(long offset, ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        if (buffer.IsEmpty)
        {
            CheckBufferedOffset(nameof(WriteBufferedAsync), offset);
            return 0;
        }
        CheckRange(nameof(WriteBufferedAsync), offset, buffer.Length);
        _volume.Journal.ThrowIfShutDown();
        FileCache cache = _volume.PageCache.For(_inode);
        int total = buffer.Length;
        // In pieces of at most a quarter of the cache: each piece moves the size before the next,
        // so that writeback (which writes nothing past the size) can always clean what came before.
        int piece = Math.Max(1, _volume.PageCache.CapacityPages / 4) << PageSize.Shift;
        for (int done = 0; done < total;)
        {
            int n = Math.Min(piece - (int)((offset + done) & PageSize.OffsetMask), total - done);
            await WritePagesAsync(cache, offset + done, buffer.Slice(done, n), ct).ConfigureAwait(false);
            done += n;
            if (offset + done > _inode.Size)
            {
                await ExtendForBufferedWriteAsync(offset + done, ct).ConfigureAwait(false);
            }
            if (_volume.PageCache.OverDirtyLimit)
            {
                await cache.WritebackAsync(0, long.MaxValue, ct).ConfigureAwait(false);
            }
        }
        return total;
    }

    /// <summary>
    /// Lends the cache pages of [<paramref name="offset"/>, +<paramref name="length"/>) as one
    /// span of memory (see <see cref="MappedRange"/>). The offset must be page-aligned (4096)
    /// and the range inside the size (grow the file with <see cref="SetLengthAsync"/> first).
    /// Dispose the returned range to give the pages back.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: the offset is not a multiple of 4096,
    /// the length not positive, or the range reaches past the size. <see cref="Errno.EBUSY"/>: a page of
    /// the range is held by another mapping or a pin. <see cref="Errno.ENOMEM"/>: the page cache has too
    /// few free pages.</exception>
    /// <exception cref="ObjectDisposedException">The handle or its volume is disposed.</exception>
    public ValueTask<MappedRange> MapAsync(long offset, int length, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        if (offset < 0 || (offset & PageSize.OffsetMask) != 0 || length <= 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"MapAsync on \"{Name}\" at offset {offset} for {length} bytes: the offset must be a multiple of {PageSize.Bytes} and the length positive");
        }
        if (offset > _inode.Size - length)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"MapAsync on \"{Name}\" at offset {offset} for {length} bytes reaches past its size of {_inode.Size}: grow the file with SetLengthAsync first");
        }
        return _volume.PageCache.For(_inode).MapAsync(offset, length, ct);
    }

    /// <summary>Copies <paramref name="data"/> into the cache pages at <paramref name="offset"/> and dirties them.</summary>
    private static async ValueTask WritePagesAsync(FileCache cache, long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        for (int done = 0; done < data.Length;)
        {
            long pos = offset + done;
            int inPage = (int)(pos & PageSize.OffsetMask);
            int n = Math.Min(PageSize.Bytes - inPage, data.Length - done);
            bool whole = n == PageSize.Bytes || (pos & ~PageSize.OffsetMask) >= cache.Inode.Size;
            Page page = await cache.GetForWriteAsync(pos >> PageSize.Shift, whole, ct).ConfigureAwait(false);
            try
            {
                lock (cache.WriteLockOf(pos >> PageSize.Shift))
                {
                    data.Span.Slice(done, n).CopyTo(page.AsSpan().Slice(inPage, n));
                    if (!page.IsDirty)
                    {
                        page.SetDirty();
                        cache.NoteDirtied();
                    }
                }
            }
            finally
            {
                page.Put();
            }
            done += n;
        }
    }

    /// <summary>
    /// Copies from <paramref name="pages"/> (found in a row from the page holding
    /// <paramref name="pos"/>, all needed by the read, each with a reference this puts) into
    /// <paramref name="dest"/>; returns the bytes copied. The next read-ahead window starts
    /// first, at its marker, so the device works while this copies; pages adjacent in the pool
    /// (a fill's run) are copied as one; the references go after the last copy, so that no
    /// atomic operation waits between two copies for the first one's stores.
    /// </summary>
    private int CopyOut(FileCache cache, Span<Page?> pages, long pos, Span<byte> dest, long filledFrom, long filledTo, ref int hits)
    {
        try
        {
            long first = pos >> PageSize.Shift;
            for (int k = 0; k < pages.Length; k++)
            {
                long index = first + k;
                if (index < filledFrom || index >= filledTo)
                {
                    hits++;
                }
                while (_readahead.TryAdvanceAtMarker(index, out long aheadStart, out int aheadSize))
                {
                    StartReadahead(cache, aheadStart, aheadSize);
                }
            }
            int copied = 0;
            int inPage = (int)(pos & PageSize.OffsetMask);
            for (int k = 0; k < pages.Length && copied < dest.Length;)
            {
                int run = 1;
                while (k + run < pages.Length && pages[k + run]!.Address == pages[k]!.Address + ((long)run << PageSize.Shift))
                {
                    run++;
                }
                int n = (int)Math.Min(((long)run << PageSize.Shift) - inPage, dest.Length - copied);
                NativeMemoryAccess.Span(pages[k]!.Address + inPage, n).CopyTo(dest.Slice(copied, n));
                copied += n;
                k += run;
                inPage = 0;
            }
            return copied;
        }
        finally
        {
            for (int k = 0; k < pages.Length; k++)
            {
                pages[k]?.Put();
                pages[k] = null;
            }
        }
    }

    /// <summary>A miss at page <paramref name="index"/> of a read that needs <paramref name="needed"/> pages from there: one fill of the read-ahead window's missing run.</summary>
    private ValueTask ReadMissAsync(FileCache cache, long index, int needed, DirectIoFlags flags, CancellationToken ct)
    {
        PageCache pageCache = _volume.PageCache;
        // No fill takes more than a quarter of the cache, so that concurrent fills always leave pages to evict.
        int window = Math.Min(_readahead.OnMiss(index, needed), Math.Max(1, pageCache.CapacityPages / 4));
        long sizePages = (_inode.Size + PageSize.OffsetMask) >> PageSize.Shift;
        int count = cache.MissingRun(index, (int)Math.Max(1, Math.Min(window, sizePages - index)));
        if (count == 0)
        {
            return ValueTask.CompletedTask;
        }
        pageCache.CountMisses(Math.Min(count, needed));
        if (count > needed)
        {
            pageCache.CountReadahead(count - needed);
        }
        return cache.FillAsync(index, count, flags, ct);
    }

    /// <summary>
    /// The next window's reads, started at its marker without waiting: inside the size and an
    /// eighth of the cache, so that the two windows ahead of a reader are under read together
    /// no more than one synchronous fill (<see cref="ReadMissAsync"/>) may take.
    /// </summary>
    private void StartReadahead(FileCache cache, long start, int size)
    {
        long sizePages = (_inode.Size + PageSize.OffsetMask) >> PageSize.Shift;
        int count = (int)Math.Min(Math.Min(size, Math.Max(1, _volume.PageCache.CapacityPages / 8)), sizePages - start);
        if (count > 0)
        {
            _volume.PageCache.CountReadahead(cache.StartReadahead(start, count));
        }
    }

    /// <summary>i_size after a buffered write past it: the old last block's tail zeroed on the device first, as for any growth.</summary>
    private async ValueTask ExtendForBufferedWriteAsync(long end, CancellationToken ct)
    {
        using (await _inode.Dio.EnterLayoutChangeAsync(ct).ConfigureAwait(false))
        {
            if (end <= _inode.Size)
            {
                return;
            }
            await ZeroPastEndOfFileAsync(ct).ConfigureAwait(false);
            lock (_volume.MetadataLock)
            {
                if (end > _inode.Size)
                {
                    _volume.Journal.Apply(JournalRecord.SetSize(_inode.Id, end));
                }
            }
        }
        await _volume.CommitIfLargeAsync(ct).ConfigureAwait(false);
    }

    private void CheckBufferedOffset(string operation, long offset)
    {
        if (offset < 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"{operation} on \"{Name}\": offset {offset} must not be negative");
        }
    }
}
