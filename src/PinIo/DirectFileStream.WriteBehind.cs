// Follows fs/fs-writeback.c (dirty data written behind the writer) and mm/filemap.c's write_begin for a partial block (read-modify-write).
using System.Buffers;
using System.Runtime.CompilerServices;

namespace PinIo;

public sealed partial class DirectFileStream
{
    private readonly WriteChunk[] _writes;
    private int _writeHead;
    private int _writeCount;

    // The chunk being filled: file bytes [_writeBase, _dirtyEnd) are valid in it (those before
    // the first write read from the file), [_dirtyStart, _dirtyEnd) not yet written out.
    private IMemoryOwner<byte>? _writeBuffer;
    private long _writeBase;
    private long _dirtyStart;
    private long _dirtyEnd;

    /// <summary>
    /// Copies <paramref name="buffer"/> into the staging chunk at the position; a full chunk
    /// goes to the device behind the writer, and the call waits only when
    /// <see cref="DirectFileStreamOptions.WriteBehindDepth"/> writes are already in flight, or
    /// to read the file's bytes around a write that starts inside a block.
    /// Not durable until <see cref="Flush()"/>.
    /// </summary>
    /// <exception cref="DirectIoException">The errno of a failed write behind (of this or an earlier call) or of a read-modify-write's read.</exception>
    /// <exception cref="NotSupportedException">The file was opened read-only.</exception>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckWritable();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        if (CanCopyIn() && buffer.Length < _writeBase + _chunkBytes - _position)
        {
            CopyIn(buffer.Span);
            return default;
        }
        return WriteStagedAsync(buffer);
    }

    /// <inheritdoc cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>As <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>, waiting for the device on the calling thread.</summary>
    /// <exception cref="DirectIoException">The errno of a failed write behind or read-modify-write read.</exception>
    /// <exception cref="NotSupportedException">The file was opened read-only.</exception>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        CheckWritable();
        while (!buffer.IsEmpty)
        {
            if (!CanCopyIn())
            {
                CheckMayBlock();
                Wait(EnsureWritableAsync());
            }
            buffer = buffer[CopyIn(buffer)..];
            if (ChunkFull())
            {
                CheckMayBlock();
                Wait(SubmitWriteChunkAsync());
            }
        }
    }

    /// <inheritdoc cref="Write(ReadOnlySpan{byte})"/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        Write(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override void WriteByte(byte value) => Write(new ReadOnlySpan<byte>(in value));

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteStagedAsync(ReadOnlyMemory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (!CanCopyIn())
            {
                await EnsureWritableAsync().ConfigureAwait(false);
            }
            buffer = buffer[CopyIn(buffer.Span)..];
            if (ChunkFull())
            {
                await SubmitWriteChunkAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Whether the position lies in the open chunk where its valid bytes reach (writing there keeps it contiguous).</summary>
    private bool CanCopyIn() =>
        _writeBuffer is not null && _position >= _writeBase && _position <= _dirtyEnd && _position < _writeBase + _chunkBytes;

    private bool ChunkFull() => _writeBuffer is not null && _dirtyEnd == _writeBase + _chunkBytes && _position == _dirtyEnd;

    private int CopyIn(ReadOnlySpan<byte> source)
    {
        int at = (int)(_position - _writeBase);
        int n = Math.Min(source.Length, _chunkBytes - at);
        source[..n].CopyTo(_writeBuffer!.Memory.Span[at..]);
        _dirtyStart = _dirtyStart == _dirtyEnd ? _position : Math.Min(_dirtyStart, _position);
        _position += n;
        _dirtyEnd = Math.Max(_dirtyEnd, _position);
        _length = Math.Max(_length, _position);
        return n;
    }

    /// <summary>After this, the open chunk takes bytes at the position: reads ahead dropped, a chunk elsewhere written out, a new one opened.</summary>
    private async ValueTask EnsureWritableAsync()
    {
        if (_readCount > 0)
        {
            await DropReadWindowAsync().ConfigureAwait(false);
        }
        if (_writeBuffer is not null && !CanCopyIn())
        {
            await SubmitWriteChunkAsync().ConfigureAwait(false);
        }
        if (_writeBuffer is null)
        {
            await OpenWriteChunkAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A chunk from the position's block on. A position inside a block first reads that block
    /// (its bytes before the position are written back with the new ones: the head of a
    /// read-modify-write).
    /// </summary>
    private async ValueTask OpenWriteChunkAsync()
    {
        IMemoryOwner<byte> buffer = _staging.Rent();
        _writeBuffer = buffer;
        _writeBase = AlignDown(_position);
        _dirtyStart = _dirtyEnd = _position;
        if (_position > _writeBase)
        {
            try
            {
                await ReadBlockAsync(_writeBase, buffer.Memory[.._blockBytes]).ConfigureAwait(false);
            }
            catch
            {
                _writeBuffer = null;
                _staging.Return(buffer);
                throw;
            }
        }
    }

    /// <summary>
    /// The file's block at <paramref name="offset"/> into <paramref name="block"/>, after every
    /// write behind (one may cover it); zeroes past the end of the stream (a block the file
    /// does not reach reads short).
    /// </summary>
    private async ValueTask ReadBlockAsync(long offset, Memory<byte> block)
    {
        await DrainWritesAsync().ConfigureAwait(false);
        int read = offset < _file.Length ? await _file.ReadAsync(offset, block).ConfigureAwait(false) : 0;
        int valid = (int)Math.Clamp(_length - offset, 0, read);
        block.Span[valid..].Clear();
    }

    /// <summary>
    /// The block-aligned range to write out of the open chunk: its partial last block completed
    /// with the file's bytes after the dirty ones where the stream goes on past them (the tail of a
    /// read-modify-write), with zeroes where it ends there.
    /// </summary>
    private async ValueTask<(long Start, long End)> PrepareWriteOutAsync()
    {
        long start = AlignDown(_dirtyStart);
        long end = AlignUp(_dirtyEnd);
        if (_dirtyEnd < end)
        {
            long tailBlock = end - _blockBytes;
            int kept = (int)(_dirtyEnd - tailBlock);
            Memory<byte> tail = _writeBuffer!.Memory.Slice((int)(tailBlock - _writeBase), _blockBytes);
            if (_dirtyEnd < _length)
            {
                Memory<byte> block = _staging.Block(_blockBytes);
                await ReadBlockAsync(tailBlock, block).ConfigureAwait(false);
                block.Span[kept..].CopyTo(tail.Span[kept..]);
            }
            else
            {
                tail.Span[kept..].Clear();
            }
        }
        return (start, end);
    }

    /// <summary>Hands the open chunk to the write-behind queue (waiting for the oldest write when the queue is full).</summary>
    private async ValueTask SubmitWriteChunkAsync()
    {
        IMemoryOwner<byte> buffer = _writeBuffer!;
        if (_dirtyStart == _dirtyEnd)
        {
            _writeBuffer = null;
            _staging.Return(buffer);
            return;
        }
        (long start, long end) = await PrepareWriteOutAsync().ConfigureAwait(false);
        if (_writeCount == _writes.Length)
        {
            await CompleteOldestWriteAsync().ConfigureAwait(false);
        }
        ReadOnlyMemory<byte> range = buffer.Memory[(int)(start - _writeBase)..(int)(end - _writeBase)];
        ValueTask<int> pending = _file.WriteAsync(start, range);
        _writeBuffer = null;
        _writes[(_writeHead + _writeCount) % _writes.Length] = new WriteChunk(buffer, start, range.Length, pending);
        _writeCount++;
        _unsynced = true;
    }

    /// <summary>Writes the open chunk's dirty range out and waits for it, keeping the chunk open (a flush in the middle of a stream).</summary>
    private async ValueTask WriteOutInPlaceAsync()
    {
        (long start, long end) = await PrepareWriteOutAsync().ConfigureAwait(false);
        await DrainWritesAsync().ConfigureAwait(false);
        _unsynced = true;
        int written = await _file.WriteAsync(start, _writeBuffer!.Memory[(int)(start - _writeBase)..(int)(end - _writeBase)]).ConfigureAwait(false);
        CheckWritten(start, (int)(end - start), written);
        _dirtyStart = _dirtyEnd;
    }

    /// <summary>Before a read, a seek's read-modify-write or a length change: everything staged out, every write behind ended.</summary>
    private async ValueTask EndWritingAsync()
    {
        if (_writeBuffer is not null)
        {
            await SubmitWriteChunkAsync().ConfigureAwait(false);
        }
        await DrainWritesAsync().ConfigureAwait(false);
    }

    /// <summary>Waits for every write behind; all of them end (and give their chunks back) before the first failure is thrown.</summary>
    private async ValueTask DrainWritesAsync()
    {
        Exception? first = null;
        while (_writeCount > 0)
        {
            try
            {
                await CompleteOldestWriteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                first ??= e;
            }
        }
        if (first is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
    }

    private async ValueTask CompleteOldestWriteAsync()
    {
        WriteChunk oldest = _writes[_writeHead];
        _writes[_writeHead] = default;
        _writeHead = (_writeHead + 1) % _writes.Length;
        _writeCount--;
        try
        {
            CheckWritten(oldest.Offset, oldest.Bytes, await oldest.Pending.ConfigureAwait(false));
        }
        finally
        {
            _staging.Return(oldest.Buffer);
        }
    }

    private void CheckWritten(long offset, int bytes, int written)
    {
        if (written != bytes)
        {
            ThrowHelper.ThrowDirectIo(Errno.EIO,
                $"a write of {bytes} bytes at {offset} of '{_file.Path}' wrote {written}: the device is full or failing; free space or check the device, then write again");
        }
    }

    /// <summary>One chunk written behind: the write's range and its pending result.</summary>
    private readonly struct WriteChunk(IMemoryOwner<byte> buffer, long offset, int bytes, ValueTask<int> pending)
    {
        public IMemoryOwner<byte> Buffer { get; } = buffer;

        public long Offset { get; } = offset;

        public int Bytes { get; } = bytes;

        public ValueTask<int> Pending { get; } = pending;
    }
}
