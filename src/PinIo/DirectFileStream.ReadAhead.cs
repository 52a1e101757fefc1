// Follows mm/readahead.c (page_cache_sync_ra / async_ra: a window of reads in flight ahead of a sequential reader).
using System.Buffers;
using System.Runtime.CompilerServices;

namespace PinIo;

public sealed partial class DirectFileStream
{
    private readonly ReadChunk[] _reads;
    private int _readHead;
    private int _readCount;
    private long _readNext;

    /// <summary>
    /// Reads into the caller's buffer what the read-ahead window holds at the position; waits
    /// for the device only when it holds nothing there yet. Returns fewer bytes than asked
    /// (never 0 before the end) rather than wait for a chunk still in flight after some were
    /// copied. The token is checked before waiting: a read-ahead request belongs to the stream
    /// and runs to its end.
    /// </summary>
    /// <exception cref="DirectIoException">The errno of the failed read (the next read retries it).</exception>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }
        int copied = ReadReady(buffer.Span);
        return copied > 0 || buffer.IsEmpty || _position >= _length ? new ValueTask<int>(copied) : ReadWaitingAsync(buffer);
    }

    /// <inheritdoc cref="ReadAsync(Memory{byte}, CancellationToken)"/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <summary>As <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>, waiting for the device on the calling thread.</summary>
    /// <exception cref="DirectIoException">The errno of the failed read.</exception>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int copied = ReadReady(buffer);
        if (copied > 0 || buffer.IsEmpty || _position >= _length)
        {
            return copied;
        }
        CheckMayBlock();
        return Wait(EnsureReadableAsync()) ? ReadReady(buffer) : 0;
    }

    /// <inheritdoc cref="Read(Span{byte})"/>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc/>
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    /// <summary>
    /// Copies the rest of the stream to <paramref name="destination"/> straight out of the
    /// read-ahead chunks (registered pool memory): no copy into a buffer of ours in between,
    /// each write as long as what a chunk holds (<paramref name="bufferSize"/> is not used).
    /// </summary>
    /// <exception cref="DirectIoException">The errno of a failed read.</exception>
    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        ValidateCopyToArguments(destination, bufferSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (await EnsureReadableAsync().ConfigureAwait(false))
        {
            ReadOnlyMemory<byte> run = HeadRun();
            if (run.IsEmpty)
            {
                return;
            }
            await destination.WriteAsync(run, cancellationToken).ConfigureAwait(false);
            ConsumeHead(run.Length);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadWaitingAsync(Memory<byte> buffer) =>
        await EnsureReadableAsync().ConfigureAwait(false) ? ReadReady(buffer.Span) : 0;

    /// <summary>Copies from chunks already read, from the position on, without waiting.</summary>
    private int ReadReady(Span<byte> destination)
    {
        int copied = 0;
        while (copied < destination.Length && HeadReady())
        {
            ReadOnlySpan<byte> run = HeadRun().Span;
            if (run.IsEmpty)
            {
                break;
            }
            int n = Math.Min(run.Length, destination.Length - copied);
            run[..n].CopyTo(destination[copied..]);
            copied += n;
            ConsumeHead(n);
        }
        return copied;
    }

    /// <summary>Whether the window's first chunk covers the position and its read has ended well.</summary>
    private bool HeadReady()
    {
        if (_readCount == 0)
        {
            return false;
        }
        ref ReadChunk head = ref _reads[_readHead];
        if (_position < head.Offset || _position >= head.Offset + _chunkBytes)
        {
            return false;
        }
        if (!head.Done)
        {
            if (!head.Pending.IsCompleted)
            {
                return false;
            }
            Harvest(ref head);
        }
        return head.Filled >= 0;
    }

    /// <summary>The head chunk's bytes from the position to the end of what it holds and of the stream.</summary>
    private ReadOnlyMemory<byte> HeadRun()
    {
        ref ReadChunk head = ref _reads[_readHead];
        long end = Math.Min(head.Offset + head.Filled, _length);
        int start = (int)(_position - head.Offset);
        return end <= _position ? default : head.Buffer.Memory[start..(int)(end - head.Offset)];
    }

    /// <summary>Moves past <paramref name="bytes"/> of the head chunk; a chunk read to its end makes room for the next read ahead.</summary>
    private void ConsumeHead(int bytes)
    {
        _position += bytes;
        if (_position == _reads[_readHead].Offset + _chunkBytes)
        {
            IMemoryOwner<byte> buffer = _reads[_readHead].Buffer;
            PopHead();
            ReadAheadInto(buffer);
        }
    }

    /// <summary>
    /// After this, unless at the end, the window's first chunk covers the position and holds its
    /// bytes: writes staged are written out first, a window elsewhere is dropped, a new one starts
    /// at the position's block.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> EnsureReadableAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_writeBuffer is not null || _writeCount > 0)
        {
            await EndWritingAsync().ConfigureAwait(false);
        }
        if (_position >= _length)
        {
            return false;
        }
        if (_readCount > 0 && (_reads[_readHead].Filled < 0 || !WindowCovers(_position)))
        {
            await DropReadWindowAsync().ConfigureAwait(false);
        }
        while (_readCount > 0 && _position >= _reads[_readHead].Offset + _chunkBytes)
        {
            await DropHeadAsync().ConfigureAwait(false);
        }
        if (_readCount == 0)
        {
            _readNext = AlignDown(_position);
        }
        TopUpReadAhead();
        if (!_reads[_readHead].Done)
        {
            await WaitHeadAsync().ConfigureAwait(false);
        }
        return true;
    }

    private bool WindowCovers(long position) =>
        position >= _reads[_readHead].Offset && position < _reads[_readHead].Offset + ((long)_readCount * _chunkBytes);

    /// <summary>Starts reads ahead until the window is full or reaches the end of the stream.</summary>
    private void TopUpReadAhead()
    {
        while (_readCount < _reads.Length && _readNext < _length)
        {
            ReadAheadInto(_staging.Rent());
        }
    }

    private void ReadAheadInto(IMemoryOwner<byte> buffer)
    {
        if (_readNext >= _length)
        {
            _staging.Return(buffer);
            return;
        }
        ValueTask<int> pending;
        try
        {
            pending = _file.ReadAsync(_readNext, buffer.Memory);
        }
        catch
        {
            _staging.Return(buffer);
            throw;
        }
        _reads[(_readHead + _readCount) % _reads.Length] = new ReadChunk(buffer, _readNext, pending);
        _readCount++;
        _readNext += _chunkBytes;
    }

    /// <summary>Waits for the head chunk's read; a failure leaves it marked failed, so the next read drops the window and reads again.</summary>
    private async ValueTask WaitHeadAsync()
    {
        int slot = _readHead;
        ValueTask<int> pending = _reads[slot].Pending;
        _reads[slot].Pending = default;
        _reads[slot].Done = true;
        _reads[slot].Filled = -1;
        _reads[slot].Filled = await pending.ConfigureAwait(false);
    }

    private static void Harvest(ref ReadChunk chunk)
    {
        ValueTask<int> pending = chunk.Pending;
        chunk.Pending = default;
        chunk.Done = true;
        chunk.Filled = -1;
        try
        {
            chunk.Filled = pending.GetAwaiter().GetResult();
        }
        catch (IOException)
        {
            // Left marked failed: the next read that waits drops the window and reads again,
            // and that read's failure is the one reported.
        }
    }

    /// <summary>Drops every read ahead (waiting for those in flight: their chunks are reused) and gives their chunks back.</summary>
    private async ValueTask DropReadWindowAsync()
    {
        while (_readCount > 0)
        {
            await DropHeadAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask DropHeadAsync()
    {
        ReadChunk head = _reads[_readHead];
        PopHead();
        try
        {
            if (!head.Done)
            {
                await head.Pending.ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // Nobody reads this chunk any more: its failure is no one's to report.
        }
        finally
        {
            _staging.Return(head.Buffer);
        }
    }

    private void PopHead()
    {
        _reads[_readHead] = default;
        _readHead = (_readHead + 1) % _reads.Length;
        _readCount--;
    }

    /// <summary>One chunk of the read-ahead window: its file offset, its read, and once ended the bytes it got (-1: failed).</summary>
    private struct ReadChunk(IMemoryOwner<byte> buffer, long offset, ValueTask<int> pending)
    {
        public readonly IMemoryOwner<byte> Buffer = buffer;
        public readonly long Offset = offset;
        public ValueTask<int> Pending = pending;
        public int Filled;
        public bool Done;
    }
}
