// Follows block/fops.c and read(2)/write(2) with O_DIRECT: the front door.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PinIo.Block;
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
/// <see cref="DirectIoException"/> with the errno, and a request canceled before any byte
/// moved throws <see cref="DirectIoCanceledException"/>, an
/// <see cref="OperationCanceledException"/> (not an <see cref="IOException"/>: a cancellation
/// is not a device failure) carrying the token and ECANCELED.
/// </summary>
public sealed partial class DirectFile : IDisposable, IAsyncDisposable
{
    private readonly FileDevice _device;
    private readonly DirectIoFlags _flags;
    private readonly ObjectCache<Request> _requests = new(64);

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
            SubmissionPolling = options.SubmissionPolling,
            SubmissionPollIdleMs = options.SubmissionPollIdleMs,
            RegisterRingFd = options.RegisterRingFd,
            NoSqArray = options.NoSqArray,
            TaskRun = options.TaskRun,
            HugePagePool = options.HugePagePool,
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
        TransferOne(BioOp.Read, offset, IterDirection.Dest, buffer, ct);

    public ValueTask<int> WriteAsync(long offset, ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        CheckWritable();
        return TransferOne(BioOp.Write, offset, IterDirection.Source, MemoryMarshal.AsMemory(buffer), ct);
    }

    public ValueTask<long> ReadAsync(long offset, IReadOnlyList<Memory<byte>> buffers, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        Request request = RentRequest();
        request.SetList(IterDirection.Dest, buffers);
        return TransferAsync(read: true, offset, request, ct);
    }

    public ValueTask<long> WriteAsync(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        CheckWritable();
        Request request = RentRequest();
        request.SetList(IterDirection.Source, buffers);
        return TransferAsync(read: false, offset, request, ct);
    }

    /// <summary>Any iterator kind, straight to <see cref="DirectIo"/>; the iterator stays the caller's.</summary>
    public ValueTask<long> ReadAsync(long offset, IovIter iter, CancellationToken ct = default) =>
        DirectIo.ReadAsync(_device, offset, iter, _flags, ct);

    /// <summary>
    /// fio's splice(2) from a file into a pipe: a Direct I/O read of <paramref name="count"/> bytes at
    /// <paramref name="offset"/> into free space at <paramref name="pipe"/>'s tail, each pipe page
    /// pinned for the read (ITER_PIPE). The bytes read become readable from the pipe; returns how many.
    /// </summary>
    public ValueTask<long> ReadToPipeAsync(long offset, PipeBuffer pipe, long count, CancellationToken ct = default) =>
        DirectIo.ReadAsync(_device, offset, IovIter.Pipe(IterDirection.Dest, pipe, count), _flags, ct);

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

    /// <summary>
    /// Discards [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>)
    /// (fio's trim): a block device gets discard requests (BLKDISCARD, or io_uring's discard
    /// command), a regular file a hole punch that keeps its size. The range then reads as zeroes
    /// on a file or a loop device; a disk may return anything there until it is rewritten.
    /// Offset and length must be multiples of <see cref="Alignment"/> (EINVAL); a device that
    /// cannot discard throws EOPNOTSUPP; a read-only file EBADF. See <see cref="BlkLib.IssueDiscardAsync"/>.
    /// </summary>
    public ValueTask TrimAsync(long offset, long length, CancellationToken ct = default)
    {
        CheckWritable();
        return BlkLib.IssueDiscardCoreAsync(_device, offset, length, (_flags & DirectIoFlags.InlineCompletion) != 0, ct);
    }

    /// <summary>
    /// Waits for every request in flight, then closes the file; from any number of threads,
    /// each call returns only when no request can touch memory any more. Throws
    /// <see cref="InvalidOperationException"/> on the engine's completion thread (a continuation
    /// run inline), where it would wait for itself: use <see cref="DisposeAsync"/> there.
    /// </summary>
    public void Dispose() => _device.Dispose();

    /// <summary>As <see cref="Dispose"/>; on the engine's completion thread the wait moves to another thread.</summary>
    public ValueTask DisposeAsync() => _device.DisposeAsync();

    /// <summary>
    /// One buffer: the caller awaits the Direct I/O request itself, with no async frame of
    /// ours in between (the request goes back to the cache as the I/O ends, as its completion
    /// hook), so a completion resumes the caller's loop directly.
    /// </summary>
    private ValueTask<int> TransferOne(BioOp op, long offset, IterDirection direction, Memory<byte> buffer, CancellationToken ct)
    {
        Request request = RentRequest();
        try
        {
            request.SetOne(direction, buffer);
        }
        catch (ObjectDisposedException)
        {
            ReturnRequest(request);
            throw;
        }
        return DirectIo.RwIntAsync(_device, op, offset, request.Iter, _flags, request, ct);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<long> TransferAsync(bool read, long offset, Request request, CancellationToken ct)
    {
        try
        {
            return await Submit(read, offset, request.Iter, ct).ConfigureAwait(false);
        }
        finally
        {
            ReturnRequest(request);
        }
    }

    private void ReturnRequest(Request request)
    {
        request.Clear();
        _requests.Return(request);
    }

    private ValueTask<long> Submit(bool read, long offset, IovIter iter, CancellationToken ct) => read
        ? DirectIo.ReadAsync(_device, offset, iter, _flags, ct)
        : DirectIo.WriteAsync(_device, offset, iter, _flags, ct);

    private Request RentRequest() => _requests.TryTake() ?? new Request(this);

    private void CheckMayBlock()
    {
        if (_device.IsCompletionThread)
        {
            ThrowHelper.ThrowMisuse("Synchronous Read/Write on the engine's completion thread (a continuation run inline) would wait for itself: await ReadAsync/WriteAsync there instead.");
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
}
