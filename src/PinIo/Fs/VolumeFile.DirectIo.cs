// Follows fs/xfs/xfs_file.c (xfs_file_dio_read, xfs_file_dio_write: iomap_dio_rw with the file's ops, inode_dio_begin/end).
using System.Runtime.CompilerServices;
using PinIo.Iov;

namespace PinIo.Fs;

public sealed partial class VolumeFile
{
    /// <summary>
    /// Direct read at <paramref name="offset"/> into <paramref name="iter"/>: offsets and
    /// lengths are multiples of the device's logical block; holes and unwritten blocks read
    /// as zeroes; nothing past <see cref="Length"/>. Returns the bytes read. Dirty cached pages
    /// of the range are written back first, so the read sees earlier buffered writes. Thread-safe.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: offset, length or memory misaligned for
    /// the device (see <see cref="DirectIo"/>). <see cref="Errno.EFAULT"/>: a Discard iterator. The device's errno (EIO, ...) when an I/O fails before any byte was done.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before any byte moved.</exception>
    /// <exception cref="ObjectDisposedException">The handle or its volume is disposed.</exception>
    public ValueTask<long> ReadAsync(long offset, IovIter iter, CancellationToken ct = default) =>
        ReadAsync(offset, iter, DirectIoFlags.None, ct);

    /// <summary>
    /// <see cref="ReadAsync(long, IovIter, CancellationToken)"/> with <paramref name="flags"/>:
    /// <see cref="DirectIoFlags.InlineCompletion"/> lets a read of mapped blocks finish on the
    /// device's completing thread (inside the call on a device that completes at submission),
    /// as on a raw device; <see cref="DirectIoFlags.NoWait"/> and
    /// <see cref="DirectIoFlags.BounceMisaligned"/> as for <see cref="IomapDio"/>.
    /// </summary>
    public ValueTask<long> ReadAsync(long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        return RunDio(false, offset, iter, flags, ct);
    }

    /// <summary>
    /// Direct write at <paramref name="offset"/> from <paramref name="iter"/>: allocates where
    /// the file has holes, zeroes the rest of any new block, and converts and moves the size
    /// only after the data is on the device. Durable at <see cref="FlushAsync"/>. Cached pages of
    /// the range are invalidated after it, so buffered reads see it. Thread-safe; a write that
    /// does not cover whole file-system blocks runs alone.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: offset, length or memory misaligned for
    /// the device. <see cref="Errno.EFAULT"/>: a Discard iterator. <see cref="Errno.ENOSPC"/>: no free
    /// blocks for the holes. <see cref="Errno.EFBIG"/>: past <see cref="Volume.MaxFileLength"/>. The device's errno (EIO, ...) when an I/O fails before any byte was done.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before any byte moved.</exception>
    /// <exception cref="ObjectDisposedException">The handle or its volume is disposed.</exception>
    public ValueTask<long> WriteAsync(long offset, IovIter iter, CancellationToken ct = default) =>
        WriteAsync(offset, iter, DirectIoFlags.None, ct);

    /// <summary>
    /// <see cref="WriteAsync(long, IovIter, CancellationToken)"/> with <paramref name="flags"/>:
    /// <see cref="DirectIoFlags.InlineCompletion"/> applies only to an overwrite of mapped
    /// blocks that does not move the size (end_io has nothing to do, as the kernel's
    /// IOMAP_DIO_INLINE_COMP); other writes complete as without it.
    /// </summary>
    public ValueTask<long> WriteAsync(long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        return RunDio(true, offset, iter, flags, ct);
    }

    /// <summary>
    /// One request inside the file's Direct I/O count, so that a truncate waits for it. A write
    /// that does not cover whole file-system blocks runs alone (XFS's unaligned Direct I/O
    /// takes the lock exclusively and waits for the rest): its zeroing of the rest of a new
    /// block would otherwise land over another write's data in the same block.
    /// </summary>
    private ValueTask<long> RunDio(bool write, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct)
    {
        // mapping->nrpages: a file with no cached page pays this one read and nothing else.
        if (Volatile.Read(ref _inode.Cache) is { MayHavePages: true } cache)
        {
            return RunDioCoherentAsync(cache, write, offset, iter, flags, ct);
        }
        return RunDioUncached(write, offset, iter, flags, ct);
    }

    /// <summary>
    /// iomap_dio_rw with cached pages: the range's dirty pages are written back (and waited
    /// for) first, so a Direct read sees a buffered write made before it and a Direct write is
    /// not overwritten by an older page later; after a write the range's pages are
    /// invalidated, so a buffered read sees it.
    /// </summary>
    private async ValueTask<long> RunDioCoherentAsync(FileCache cache, bool write, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct)
    {
        long end = offset + iter.Count;
        await cache.WritebackAsync(offset, end, ct).ConfigureAwait(false);
        try
        {
            return await RunDioUncached(write, offset, iter, flags, ct).ConfigureAwait(false);
        }
        finally
        {
            if (write)
            {
                await cache.InvalidateAfterDirectWriteAsync(offset, end, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private ValueTask<long> RunDioUncached(bool write, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct)
    {
        DioGate gate = _inode.Dio;
        if (write && (((offset | iter.Count) & (_volume.BlockSize - 1)) != 0 || LeavesAPartialTailBehind(offset)))
        {
            return RunAloneAsync(offset, iter, flags, ct);
        }
        if (!gate.TryEnterDio())
        {
            return RunDioAfterLayoutChangeAsync(write, offset, iter, flags, ct);
        }
        ValueTask<long> request;
        bool gateHandedOver = false;
        try
        {
            request = Start(write, offset, iter, flags, gate, out gateHandedOver, ct);
        }
        catch
        {
            if (!gateHandedOver)
            {
                gate.ExitDio();
            }
            throw;
        }
        if (gateHandedOver)
        {
            // The request leaves the file itself when it ends: no frame awaits it here.
            return request;
        }
        if (request.IsCompletedSuccessfully)
        {
            gate.ExitDio();
            return request;
        }
        return ExitWhenDoneAsync(request, gate);
    }

    /// <summary>
    /// The volume's Direct I/O path: iomap (the default) or the legacy get_block walk. The
    /// iomap path's one-extent cases take <paramref name="gate"/> along and leave it when they
    /// end (<paramref name="gateHandedOver"/>).
    /// </summary>
    private ValueTask<long> Start(bool write, long offset, IovIter iter, DirectIoFlags flags, IDioCompletionHook? gate, out bool gateHandedOver, CancellationToken ct)
    {
        gateHandedOver = false;
        return (_volume.Options.DirectIoPath, write) switch
        {
            (DirectIoPath.Legacy, true) => LegacyDirectIo.WriteAsync(this, offset, iter, flags, ct),
            (DirectIoPath.Legacy, false) => LegacyDirectIo.ReadAsync(this, offset, iter, flags, ct),
            (_, true) => IomapDio.WriteAsync(this, offset, iter, flags, gate, out gateHandedOver, ct),
            _ => IomapDio.ReadAsync(this, offset, iter, flags, gate, out gateHandedOver, ct),
        };
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<long> ExitWhenDoneAsync(ValueTask<long> request, DioGate gate)
    {
        try
        {
            return await request.ConfigureAwait(false);
        }
        finally
        {
            gate.ExitDio();
        }
    }

    private async ValueTask<long> RunAloneAsync(long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct)
    {
        using (await _inode.Dio.EnterLayoutChangeAsync(ct).ConfigureAwait(false))
        {
            if (offset > _inode.Size)
            {
                await ZeroPastEndOfFileAsync(ct).ConfigureAwait(false);
            }
            return await Start(true, offset, iter, flags, gate: null, out _, ct).ConfigureAwait(false);
        }
    }

    /// <summary>A write that starts past the size while the size ends inside a block: the rest of that block must be zeroed first (alone, as a sub-block write).</summary>
    private bool LeavesAPartialTailBehind(long offset)
    {
        long size = _inode.Size;
        return offset > size && size % _volume.BlockSize != 0;
    }

    private async ValueTask<long> RunDioAfterLayoutChangeAsync(bool write, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct)
    {
        await _inode.Dio.EnterDioAsync(ct).ConfigureAwait(false);
        try
        {
            return await Start(write, offset, iter, flags, gate: null, out _, ct).ConfigureAwait(false);
        }
        finally
        {
            _inode.Dio.ExitDio();
        }
    }
}
