// Follows fs/read_write.c (a file position moved by read(2), write(2) and lseek(2)) over O_DIRECT.
using PinIo.Mm;

namespace PinIo;

/// <summary>
/// A <see cref="Stream"/> over a <see cref="DirectFile"/>: reads and writes of any size at any
/// position, while every request to the device stays a Direct I/O request of whole logical
/// blocks from the file's registered buffer pool (fixed buffers: the kernel takes no pin per
/// request). Sequential reads are read ahead (<see cref="DirectFileStreamOptions.ReadAheadDepth"/>
/// chunks in flight), sequential writes are written behind (a bounded queue of
/// <see cref="DirectFileStreamOptions.WriteBehindDepth"/> chunks); a write that starts or ends
/// inside a block merges the file's bytes around it first (read-modify-write, as the page cache
/// does for a partial page). Bytes past <see cref="Length"/> are never exposed: the padding of a
/// partial last block is zeroes on the device and is cut off (ftruncate) by
/// <see cref="Flush()"/>, <see cref="SetLength"/> and disposal.
/// <para>
/// <see cref="Flush()"/> and <see cref="FlushAsync(CancellationToken)"/> are durable: they write
/// out the tail, wait for every write behind, then fdatasync (IORING_OP_FSYNC with DATASYNC).
/// Disposal flushes the same way. Device failures are <see cref="DirectIoException"/> with the
/// errno; a failed write behind surfaces at the next write, flush or disposal. Like
/// <see cref="FileStream"/>, one caller at a time; the synchronous methods wait for the
/// device on the calling thread.
/// </para>
/// </summary>
public sealed partial class DirectFileStream : Stream
{
    private readonly DirectFile _file;
    private readonly bool _leaveOpen;
    private readonly int _chunkBytes;
    private readonly int _blockBytes;
    private readonly StagingBuffers _staging;
    private long _position;
    private long _length;
    private bool _unsynced;
    private bool _disposed;

    /// <summary>
    /// A stream over <paramref name="file"/> starting at position 0, its length the file's.
    /// The staging chunks come from the file's registered pool (<see cref="DirectFile.AllocateBuffer"/>)
    /// as they are first needed, and go back when the stream is disposed.
    /// </summary>
    /// <param name="file">An open file with a buffer pool (<see cref="DirectFileOptions.BufferPoolBytes"/> &gt; 0).</param>
    /// <param name="options">Chunk size and depths; the defaults when null.</param>
    /// <param name="leaveOpen">Whether disposing the stream leaves <paramref name="file"/> open (as <see cref="BufferedStream"/>'s wrapped stream is not; GZipStream's convention).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or depth out of range (the message says which multiple it must be).</exception>
    /// <exception cref="DirectIoException">ENOMEM: the file has no buffer pool, or one too small for the chunks the options ask for.</exception>
    public DirectFileStream(DirectFile file, DirectFileStreamOptions? options = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(file);
        options ??= new DirectFileStreamOptions();
        _blockBytes = Math.Max(file.Alignment, file.MemoryAlignment);
        CheckOptions(file, options, _blockBytes);
        _file = file;
        _leaveOpen = leaveOpen;
        _chunkBytes = options.BufferSize;
        _staging = new StagingBuffers(file, _chunkBytes);
        _reads = new ReadChunk[options.ReadAheadDepth];
        _writes = new WriteChunk[options.WriteBehindDepth];
        _length = file.Length;
    }

    /// <summary>The file under the stream.</summary>
    public DirectFile File => _file;

    /// <inheritdoc/>
    public override bool CanRead => !_disposed;

    /// <inheritdoc/>
    public override bool CanSeek => !_disposed;

    /// <summary>True unless the stream is disposed or the file was opened read-only.</summary>
    public override bool CanWrite => !_disposed && !_file.Device.ReadOnly;

    /// <summary>The stream's length: the file's, plus what was written past it and not yet flushed.</summary>
    public override long Length
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _length;
        }
    }

    /// <inheritdoc/>
    public override long Position
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _position;
        }
        set => Seek(value, SeekOrigin.Begin);
    }

    /// <summary>
    /// Moves the position (lseek(2)); past the end is allowed: a write there leaves zeroes in
    /// between, as a hole. Nothing is read or written until the next read or write.
    /// </summary>
    /// <exception cref="DirectIoException">EINVAL: the position would be before the beginning.</exception>
    public override long Seek(long offset, SeekOrigin origin)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"seek to {target}, before the beginning of '{_file.Path}': positions start at 0");
        }
        _position = target;
        return target;
    }

    /// <summary>
    /// Sets the length (ftruncate(2)) after writing out everything staged: a longer file reads
    /// as zeroes past the old end, a shorter one loses its bytes past the new end, also those
    /// of a partial last block (the block's head written out whole first, then cut). A position
    /// past the new end moves to it, as <see cref="FileStream.SetLength"/>'s. Not durable until
    /// <see cref="Flush()"/>.
    /// </summary>
    /// <exception cref="DirectIoException">EINVAL on a block device (its size is fixed); the errno of a failed write or ftruncate.</exception>
    public override void SetLength(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        CheckWritable();
        CheckMayBlock();
        Wait(EndWritingAsync());
        Wait(DropReadWindowAsync());
        if (value != _file.Length)
        {
            _file.SetLength(value);
            _unsynced = true;
        }
        _length = value;
        _position = Math.Min(_position, value);
    }

    /// <summary>Durable flush: as <see cref="FlushAsync(CancellationToken)"/>, waiting on the calling thread.</summary>
    /// <exception cref="DirectIoException">The errno of a failed write, ftruncate or fdatasync.</exception>
    public override void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckMayBlock();
        Wait(FlushCoreAsync(CancellationToken.None));
    }

    /// <summary>
    /// Durable flush: writes out the staged tail (its partial last block read-modify-written),
    /// waits for every write behind, cuts the file to <see cref="Length"/> (ftruncate) and
    /// fdatasyncs, so every byte written before the call is on stable storage when it completes.
    /// With nothing written since the last flush it does nothing.
    /// </summary>
    /// <exception cref="DirectIoException">The errno of a failed write, ftruncate or fdatasync.</exception>
    public override Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return cancellationToken.IsCancellationRequested
            ? Task.FromCanceled(cancellationToken)
            : FlushCoreAsync(cancellationToken).AsTask();
    }

    /// <summary>Flushes (durably) what was written, waits for reads in flight, gives the staging chunks back to the pool and, unless left open, disposes the file.</summary>
    protected override void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            base.Dispose(disposing);
            return;
        }
        try
        {
            CheckMayBlock();
            Wait(FlushCoreAsync(CancellationToken.None));
        }
        finally
        {
            _disposed = true;
            Wait(ReleaseAllAsync());
            if (!_leaveOpen)
            {
                _file.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>As <see cref="Dispose(bool)"/>, awaiting the device instead of blocking.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            try
            {
                await FlushCoreAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _disposed = true;
                await ReleaseAllAsync().ConfigureAwait(false);
                if (!_leaveOpen)
                {
                    await _file.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        // Disposed by now: the base's Dispose(true) finds nothing more to do.
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask FlushCoreAsync(CancellationToken cancellationToken)
    {
        if (_writeBuffer is not null && _dirtyStart != _dirtyEnd)
        {
            await WriteOutInPlaceAsync().ConfigureAwait(false);
        }
        await DrainWritesAsync().ConfigureAwait(false);
        if (!_unsynced)
        {
            return;
        }
        if (!_file.Device.IsBlockDevice && _file.Length > _length)
        {
            // The zero padding of a partial last block, written whole: not part of the stream.
            _file.SetLength(_length);
        }
        await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
        _unsynced = false;
    }

    /// <summary>Every chunk back to the pool, after the device is done with it (errors of reads no one waits for are dropped).</summary>
    private async ValueTask ReleaseAllAsync()
    {
        await DropReadWindowAsync().ConfigureAwait(false);
        try
        {
            await DrainWritesAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Already reported by the flush that failed before disposal got here.
        }
        if (_writeBuffer is not null)
        {
            _staging.Return(_writeBuffer);
            _writeBuffer = null;
        }
        _staging.Dispose();
    }

    private static void CheckOptions(DirectFile file, DirectFileStreamOptions options, int blockBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ReadAheadDepth, nameof(options.ReadAheadDepth));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.WriteBehindDepth, nameof(options.WriteBehindDepth));
        int multiple = Math.Max(blockBytes, PageSize.Bytes);
        if (options.BufferSize <= 0 || options.BufferSize % multiple != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.BufferSize,
                $"BufferSize must be a positive multiple of {multiple} (the page size and the file's block size)");
        }
        PagePool pool = file.Device.BufferPool
            ?? throw new DirectIoException(Errno.ENOMEM, $"'{file.Path}' was opened with BufferPoolBytes = 0: a DirectFileStream stages its I/O in the file's buffer pool; open the file with one");
        long needed = ((long)options.ReadAheadDepth + options.WriteBehindDepth + 1) * options.BufferSize + multiple;
        if (needed > pool.SizeBytes)
        {
            throw new DirectIoException(Errno.ENOMEM,
                $"a DirectFileStream with these options may stage {needed} bytes, more than the {pool.SizeBytes}-byte buffer pool of '{file.Path}': raise BufferPoolBytes or lower BufferSize, ReadAheadDepth or WriteBehindDepth");
        }
    }

    private void CheckWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_file.Device.ReadOnly)
        {
            throw new NotSupportedException($"'{_file.Path}' was opened read-only: open the DirectFile with ReadOnly = false to write through its stream");
        }
    }

    private void CheckMayBlock()
    {
        if (_file.Device.IsCompletionThread)
        {
            ThrowHelper.ThrowMisuse("A synchronous DirectFileStream call on the engine's completion thread (a continuation run inline) would wait for itself: use the async methods there.");
        }
    }

    private long AlignDown(long offset) => offset & ~(long)(_blockBytes - 1);

    private long AlignUp(long offset) => AlignDown(offset + _blockBytes - 1);

    private static void Wait(ValueTask pending)
    {
        if (pending.IsCompletedSuccessfully)
        {
            return;
        }
        pending.AsTask().GetAwaiter().GetResult();
    }

    private static T Wait<T>(ValueTask<T> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
}
