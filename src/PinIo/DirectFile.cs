// Follows block/fops.c and read(2)/write(2) with O_DIRECT: the front door.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo;

/// <summary>
/// A file or block device opened for Direct I/O. Reads and writes go straight between the
/// caller's memory and the device: offsets and lengths must be multiples of
/// <see cref="Alignment"/>, memory must fit <see cref="MemoryAlignment"/> (or be bounced, an
/// option). Memory from <see cref="AllocateBuffer"/> is registered with the ring: I/O from it
/// is fixed-buffer I/O and costs the kernel no pin per request, whichever overload is used;
/// other memory is pinned by PinIo and by the kernel for the life of each request.
/// A read that reaches the end of the file returns fewer bytes; a request that fails part way
/// returns the bytes done before the failure; otherwise failures are
/// <see cref="DirectIoException"/> with the errno.
/// </summary>
public sealed class DirectFile : IDisposable, IAsyncDisposable
{
    private readonly FileDevice _device;
    private readonly DirectIoFlags _flags;
    private readonly ObjectCache<IovIter> _iters = new(64);
    private readonly ObjectCache<BioVec[]> _poolVecs = new(64);
    private readonly ObjectCache<WritableView> _views = new(16);

    private DirectFile(FileDevice device, DirectFileOptions options)
    {
        _device = device;
        _flags = (options.BounceMisalignedMemory ? DirectIoFlags.BounceMisaligned : DirectIoFlags.None)
            | (options.InlineCompletions ? DirectIoFlags.InlineCompletion : DirectIoFlags.None);
    }

    public static DirectFile Open(string path, DirectFileOptions? options = null)
    {
        options ??= new DirectFileOptions();
        FileDevice device = FileDevice.Open(path, new FileDeviceOptions
        {
            Engine = options.Engine,
            QueueDepth = options.QueueDepth,
            Create = options.Create,
            InitialSize = options.InitialSize,
            ReadOnly = options.ReadOnly,
            Dsync = options.Dsync,
            SyncWorkers = options.SyncWorkers,
            BufferPoolBytes = options.BufferPoolBytes,
        });
        return new DirectFile(device, options);
    }

    public string Path => _device.Path;

    /// <summary>The file's size in bytes (a block device's capacity).</summary>
    public long Length => _device.Capacity;

    /// <summary>Offsets and lengths must be multiples of this (the logical block size).</summary>
    public int Alignment => _device.Limits.LogicalBlockSize;

    /// <summary>Memory addresses and lengths must be multiples of this unless bouncing is on.</summary>
    public int MemoryAlignment => _device.Limits.DmaAlignment;

    /// <summary>The engine in use (io_uring falls back to sync where it is unavailable).</summary>
    public IoEngine Engine => _device.Engine;

    /// <summary>The device underneath, for <see cref="DirectIo"/> with any iterator kind.</summary>
    public FileDevice Device => _device;

    public void SetLength(long length) => _device.SetLength(length);

    /// <summary>
    /// Page-aligned memory from the registered pool. Dispose it to give it back; memory
    /// still under I/O stays out of the pool until the I/O ends.
    /// </summary>
    public IMemoryOwner<byte> AllocateBuffer(int bytes)
    {
        PagePool pool = _device.BufferPool
            ?? throw new DirectIoException(Errno.ENOMEM, "this file was opened with BufferPoolBytes = 0: open it with a buffer pool to allocate buffers");
        return pool.AllocateMemory(bytes);
    }

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct = default) =>
        TransferOneAsync(read: true, offset, buffer, ct);

    public ValueTask<int> WriteAsync(long offset, ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        CheckWritable();
        return TransferOneAsync(read: false, offset, MemoryMarshal.AsMemory(buffer), ct);
    }

    public ValueTask<long> ReadAsync(long offset, IReadOnlyList<Memory<byte>> buffers, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        IovIter iter = RentIter();
        iter.ResetUser(IterDirection.Dest, buffers);
        return TransferAsync(read: true, offset, iter, ct);
    }

    public ValueTask<long> WriteAsync(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        CheckWritable();
        WritableView view = _views.TryTake() ?? new WritableView();
        view.Buffers = buffers;
        IovIter iter = RentIter();
        iter.ResetUser(IterDirection.Source, view);
        return TransferViewAsync(offset, iter, view, ct);
    }

    /// <summary>Any iterator kind, straight to <see cref="DirectIo"/>; the iterator stays the caller's.</summary>
    public ValueTask<long> ReadAsync(long offset, IovIter iter, CancellationToken ct = default) =>
        DirectIo.ReadAsync(_device, offset, iter, _flags, ct);

    public ValueTask<long> WriteAsync(long offset, IovIter iter, CancellationToken ct = default)
    {
        CheckWritable();
        return DirectIo.WriteAsync(_device, offset, iter, _flags, ct);
    }

    /// <summary>Synchronous read. Not from a continuation running inline on the completion thread: that would wait for itself.</summary>
    public int Read(long offset, Memory<byte> buffer)
    {
        CheckMayBlock();
        return Wait(ReadAsync(offset, buffer));
    }

    /// <summary>Synchronous write; as <see cref="Read"/>.</summary>
    public int Write(long offset, ReadOnlyMemory<byte> buffer)
    {
        CheckMayBlock();
        return Wait(WriteAsync(offset, buffer));
    }

    /// <summary>Everything written before the flush is durable when it completes (fdatasync / IORING_OP_FSYNC).</summary>
    public ValueTask FlushAsync(CancellationToken ct = default) => DirectIo.FlushAsync(_device, ct);

    /// <summary>Waits for every request in flight, then closes the file.</summary>
    public void Dispose() => _device.Dispose();

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>One buffer: pool memory goes out as a bvec of pool pages (fixed-buffer I/O, no pin); other memory as user memory (pinned).</summary>
    private ValueTask<int> TransferOneAsync(bool read, long offset, Memory<byte> buffer, CancellationToken ct)
    {
        IterDirection direction = read ? IterDirection.Dest : IterDirection.Source;
        IovIter iter = RentIter();
        BioVec[]? vecs = null;
        if (MemoryMarshal.TryGetMemoryManager<byte, PoolMemory>(buffer, out PoolMemory? pool, out int start, out int length))
        {
            vecs = _poolVecs.TryTake() ?? new BioVec[1];
            vecs[0] = new BioVec(pool!.PageAt(start), start & (int)PageSize.OffsetMask, length);
            iter.ResetPages(direction, vecs, length);
        }
        else
        {
            iter.ResetUser(direction, buffer);
        }
        return TransferIntAsync(read, offset, iter, vecs, ct);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> TransferIntAsync(bool read, long offset, IovIter iter, BioVec[]? vecs, CancellationToken ct)
    {
        try
        {
            return (int)await Submit(read, offset, iter, ct).ConfigureAwait(false);
        }
        finally
        {
            ReturnIter(iter);
            if (vecs is not null)
            {
                vecs[0] = default;
                _poolVecs.Return(vecs);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<long> TransferAsync(bool read, long offset, IovIter iter, CancellationToken ct)
    {
        try
        {
            return await Submit(read, offset, iter, ct).ConfigureAwait(false);
        }
        finally
        {
            ReturnIter(iter);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<long> TransferViewAsync(long offset, IovIter iter, WritableView view, CancellationToken ct)
    {
        try
        {
            return await TransferAsync(read: false, offset, iter, ct).ConfigureAwait(false);
        }
        finally
        {
            view.Buffers = null;
            _views.Return(view);
        }
    }

    private ValueTask<long> Submit(bool read, long offset, IovIter iter, CancellationToken ct) => read
        ? DirectIo.ReadAsync(_device, offset, iter, _flags, ct)
        : DirectIo.WriteAsync(_device, offset, iter, _flags, ct);

    private IovIter RentIter() => _iters.TryTake() ?? IovIter.CreateReusable();

    private void ReturnIter(IovIter iter)
    {
        iter.Clear();
        _iters.Return(iter);
    }

    private void CheckMayBlock()
    {
        if (_device.IsCompletionThread)
        {
            ThrowHelper.ThrowMisuse("Synchronous Read/Write on the io_uring completion thread would wait for itself: await ReadAsync/WriteAsync there instead.");
        }
    }

    private void CheckWritable()
    {
        if (_device.ReadOnly)
        {
            ThrowHelper.ThrowDirectIo(Errno.EBADF, $"'{Path}' was opened read-only: open it with ReadOnly = false to write");
        }
    }

    private static int Wait(ValueTask<int> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// A write's read-only buffers seen as the iterator's memory list without copying the list.
    /// The iterator of a write only reads from them.
    /// </summary>
    private sealed class WritableView : IReadOnlyList<Memory<byte>>
    {
        public IReadOnlyList<ReadOnlyMemory<byte>>? Buffers { get; set; }

        public int Count => Buffers!.Count;

        public Memory<byte> this[int index] => MemoryMarshal.AsMemory(Buffers![index]);

        public IEnumerator<Memory<byte>> GetEnumerator()
        {
            for (int i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
