// Follows mm/readahead.c (a window of reads ahead) and fs/splice.c's filemap_splice_read (the read pages handed on, not copied).
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.ExceptionServices;
using PinIo.Mm;

namespace PinIo;

/// <summary>
/// <see cref="DirectFile.CreatePipeReader"/>'s reader: a ring of chunks of registered pool
/// memory, each read by the device in one Direct I/O request and handed to the consumer as a
/// segment of <see cref="ReadResult.Buffer"/> as it is (no copy). One consumer at a time, as
/// any <see cref="PipeReader"/>.
/// </summary>
internal sealed class DirectFilePipeReader : PipeReader
{
    private readonly DirectFile _file;
    private readonly long _start;
    private readonly long _end;
    private readonly int _chunkBytes;
    private readonly Chunk[] _ring;
    private int _head;
    private int _count;
    private int _ready;
    private int _headIndex;
    private long _nextRead;
    private long _examined;
    private bool _lastRead;
    private bool _cancelNext;
    private bool _completed;
    private ExceptionDispatchInfo? _failure;

    public DirectFilePipeReader(DirectFile file, PagePool pool, long offset, long count, int bufferSize, int readAheadDepth)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(readAheadDepth);
        int multiple = Math.Max(file.Alignment, PageSize.Bytes);
        if (bufferSize <= 0 || bufferSize % multiple != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bufferSize), bufferSize, $"bufferSize must be a positive multiple of {multiple} (the page size and the file's block size)");
        }
        if ((long)bufferSize * readAheadDepth > pool.SizeBytes)
        {
            ThrowHelper.ThrowDirectIo(Errno.ENOMEM, $"a pipe reader of {readAheadDepth} chunks of {bufferSize} bytes needs more than the {pool.SizeBytes}-byte buffer pool of '{file.Path}': raise BufferPoolBytes or lower bufferSize or readAheadDepth");
        }
        _file = file;
        _start = offset;
        _end = offset + Math.Min(count, long.MaxValue - offset);
        _chunkBytes = bufferSize;
        _ring = new Chunk[readAheadDepth];
        for (int i = 0; i < _ring.Length; i++)
        {
            _ring[i] = new Chunk();
        }
        _nextRead = offset - (offset % file.Alignment);
        _examined = 0;
    }

    public override bool TryRead(out ReadResult result)
    {
        CheckNotCompleted();
        TopUp();
        HarvestCompleted();
        return TryMakeResult(out result);
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        CheckNotCompleted();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }
        TopUp();
        HarvestCompleted();
        return TryMakeResult(out ReadResult result) ? new ValueTask<ReadResult>(result) : WaitAsync();
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        CheckNotCompleted();
        if (consumed.GetObject() is Chunk at)
        {
            while (_count > 0 && _ring[_head] != at)
            {
                Recycle();
            }
            _headIndex = consumed.GetInteger();
            if (_count > 0 && _headIndex == at.Memory.Length && _ready > 0)
            {
                Recycle();
            }
        }
        if (examined.GetObject() is Chunk seen)
        {
            _examined = Math.Max(_examined, seen.RunningIndex + examined.GetInteger());
        }
        TopUp();
    }

    public override void CancelPendingRead() => _cancelNext = true;

    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }
        _completed = true;
        for (; _count > 0; Recycle())
        {
            _ring[_head].Forget();
        }
        foreach (Chunk chunk in _ring)
        {
            chunk.Release();
        }
    }

    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }
        for (int i = 0; i < _count; i++)
        {
            await _ring[(_head + i) % _ring.Length].ForgetAsync().ConfigureAwait(false);
        }
        Complete(exception);
    }

    /// <summary>Waits for the first chunk whose read has not ended until there is something new for the consumer.</summary>
    private async ValueTask<ReadResult> WaitAsync()
    {
        while (true)
        {
            if (_ready == _count)
            {
                throw new InvalidOperationException($"the pipe reader over '{_file.Path}' holds {_count} chunks, all examined and none consumed: AdvanceTo must consume some before the next read (or use a larger readAheadDepth)");
            }
            Chunk next = _ring[(_head + _ready) % _ring.Length];
            try
            {
                await next.WaitAsync().ConfigureAwait(false);
            }
            catch (IOException e)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
                throw;
            }
            HarvestCompleted();
            if (TryMakeResult(out ReadResult result))
            {
                return result;
            }
        }
    }

    /// <summary>Starts reads until the window is full or the range is all asked for.</summary>
    private void TopUp()
    {
        while (_count < _ring.Length && !_lastRead && _nextRead < _end)
        {
            Chunk chunk = _ring[(_head + _count) % _ring.Length];
            chunk.Start(_file, _nextRead, _chunkBytes);
            _count++;
            _nextRead += _chunkBytes;
        }
    }

    /// <summary>Links every chunk whose read ended, in file order, into the sequence.</summary>
    private void HarvestCompleted()
    {
        while (_ready < _count)
        {
            Chunk chunk = _ring[(_head + _ready) % _ring.Length];
            try
            {
                if (!chunk.TryEnd())
                {
                    return;
                }
            }
            catch (IOException e)
            {
                // Every later read reports it too: the range has a hole the consumer must not step over.
                _failure = ExceptionDispatchInfo.Capture(e);
                throw;
            }
            if (chunk.Filled < _chunkBytes)
            {
                _lastRead = true;
            }
            chunk.Expose(_start, _end);
            if (_ready > 0)
            {
                _ring[(_head + _ready - 1) % _ring.Length].Link(chunk);
            }
            _ready++;
        }
    }

    private bool TryMakeResult(out ReadResult result)
    {
        _failure?.Throw();
        if (_cancelNext)
        {
            _cancelNext = false;
            result = new ReadResult(default, isCanceled: true, isCompleted: false);
            return true;
        }
        bool allRead = _ready == _count && (_lastRead || _nextRead >= _end);
        ReadOnlySequence<byte> buffer = _ready == 0
            ? ReadOnlySequence<byte>.Empty
            : new ReadOnlySequence<byte>(_ring[_head], _headIndex, _ring[(_head + _ready - 1) % _ring.Length], _ring[(_head + _ready - 1) % _ring.Length].Memory.Length);
        long readyEnd = _ready == 0 ? 0 : _ring[(_head + _ready - 1) % _ring.Length].RunningIndex + _ring[(_head + _ready - 1) % _ring.Length].Memory.Length;
        if (!allRead && readyEnd <= _examined)
        {
            result = default;
            return false;
        }
        result = new ReadResult(buffer, isCanceled: false, isCompleted: allRead);
        return true;
    }

    /// <summary>The head chunk is consumed: it leaves the window (its memory is kept for the next read).</summary>
    private void Recycle()
    {
        Chunk head = _ring[_head];
        if (_ready > 0)
        {
            _ready--;
        }
        head.Reset();
        _head = (_head + 1) % _ring.Length;
        _count--;
        _headIndex = 0;
    }

    private void CheckNotCompleted()
    {
        if (_completed)
        {
            ThrowHelper.ThrowMisuse("This pipe reader was completed: create another with DirectFile.CreatePipeReader.");
        }
    }

    /// <summary>One chunk: its pool memory (kept across reads), the read filling it, and as a segment the bytes of the range it holds.</summary>
    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        private IMemoryOwner<byte>? _buffer;
        private ValueTask<int> _pending;
        private bool _inFlight;
        private long _offset;

        public int Filled { get; private set; }

        public void Start(DirectFile file, long offset, int bytes)
        {
            _buffer ??= file.AllocateBuffer(bytes);
            _offset = offset;
            // Consumed exactly once: by TryEnd, WaitAsync or Forget.
#pragma warning disable CA2012
            _pending = file.ReadAsync(offset, _buffer.Memory);
#pragma warning restore CA2012
            _inFlight = true;
        }

        public bool TryEnd()
        {
            if (_inFlight && _pending.IsCompleted)
            {
                _inFlight = false;
                Filled = _pending.GetAwaiter().GetResult();
                return true;
            }
            return !_inFlight;
        }

        public async ValueTask WaitAsync()
        {
            if (_inFlight)
            {
                _inFlight = false;
                Filled = await _pending.ConfigureAwait(false);
            }
        }

        /// <summary>As a segment: the bytes of [start, end) this chunk holds, indexed from the range's start.</summary>
        public void Expose(long start, long end)
        {
            long from = Math.Max(_offset, start);
            long to = Math.Min(_offset + Filled, end);
            Memory = to > from ? _buffer!.Memory[(int)(from - _offset)..(int)(to - _offset)] : default;
            RunningIndex = from - start;
            Next = null;
        }

        public void Link(Chunk next) => Next = next;

        public void Reset()
        {
            Memory = default;
            Next = null;
            Filled = 0;
        }

        /// <summary>Waits for a read in flight, its outcome dropped (the consumer is gone).</summary>
        public async ValueTask ForgetAsync()
        {
            try
            {
                await WaitAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Completed readers report nothing.
            }
        }

        public void Forget()
        {
            if (!_inFlight)
            {
                return;
            }
            _inFlight = false;
            try
            {
                _pending.AsTask().GetAwaiter().GetResult();
            }
            catch (IOException)
            {
                // Completed readers report nothing.
            }
        }

        public void Release()
        {
            _buffer?.Dispose();
            _buffer = null;
        }
    }
}
