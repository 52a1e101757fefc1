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

    /// <summary>
    /// Opens <paramref name="path"/> (a regular file or a block device) with O_DIRECT
    /// (open(2) as block/fops.c's blkdev_open or a file system's open takes it): its alignment
    /// comes from statx(STATX_DIOALIGN), or for a block device from its queue limits.
    /// </summary>
    /// <param name="path">The file or block device.</param>
    /// <param name="options">Engine, queue depth, creation and ring features; null for the defaults.</param>
    /// <returns>The open file; dispose it (or <see cref="DisposeAsync"/>) to close it.</returns>
    /// <exception cref="DirectIoException">
    /// ENOENT for a missing path (without Create), EOPNOTSUPP or EINVAL when the file system
    /// refuses O_DIRECT, EACCES/EROFS when writing is not allowed, EINVAL for a path that is
    /// neither a file nor a block device; each message says what to change.
    /// </exception>
    public static DirectFile Open(string path, DirectFileOptions? options = null)
    {
        options ??= new DirectFileOptions();
        FileDevice device = FileDevice.Open(path, options.ToDeviceOptions());
        return new DirectFile(device, options);
    }

    /// <summary>The path the file was opened by (for a handle, where /proc/self/fd says it leads).</summary>
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

    /// <summary>Sets a regular file's size (ftruncate): shorter drops the tail, longer reads as zeroes.</summary>
    /// <param name="length">The new size in bytes; need not be a multiple of <see cref="Alignment"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="DirectIoException">EINVAL for a block device (its size is fixed); ftruncate's errno otherwise.</exception>
    public void SetLength(long length) => _device.SetLength(length);

    /// <summary>
    /// Page-aligned memory from the registered pool. Dispose it to give it back; memory
    /// still under I/O stays out of the pool until the I/O ends. I/O from it is fixed-buffer
    /// I/O on the ring: the kernel pinned it once, long-term, at registration (FOLL_LONGTERM),
    /// and takes no pin per request.
    /// </summary>
    /// <param name="bytes">The size, rounded up to whole pages in the pool.</param>
    /// <returns>The memory's owner; its <see cref="IMemoryOwner{T}.Memory"/> is exactly <paramref name="bytes"/> long.</returns>
    /// <exception cref="DirectIoException">ENOMEM when the file has no pool (BufferPoolBytes = 0) or the pool has no room.</exception>
    public IMemoryOwner<byte> AllocateBuffer(int bytes)
    {
        PagePool pool = _device.BufferPool
            ?? throw new DirectIoException(Errno.ENOMEM, "this file was opened with BufferPoolBytes = 0: open it with a buffer pool to allocate buffers");
        return pool.AllocateMemory(bytes);
    }

    /// <summary>
    /// Reads into <paramref name="buffer"/> at <paramref name="offset"/>: the older argument order;
    /// <see cref="ReadAsync(Memory{byte}, long, CancellationToken)"/> is the same in
    /// <see cref="RandomAccess"/>'s. The buffer's pages are pinned (FOLL_PIN) for the request's
    /// life and unpinned dirty when it ends; pool memory is taken by reference, not pinned.
    /// </summary>
    /// <param name="offset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="buffer">Memory to fill: its address and length multiples of <see cref="MemoryAlignment"/> unless bouncing is on.</param>
    /// <param name="ct">Cancels the request: before submission, or in flight (see <see cref="ReadAsync(Memory{byte}, long, CancellationToken)"/>).</param>
    /// <returns>The bytes read: fewer at the end of the file, 0 at or past it.</returns>
    /// <exception cref="DirectIoException">EINVAL for a misaligned offset, length or memory; EIO and the device's errno on failure.</exception>
    /// <exception cref="DirectIoCanceledException">ECANCELED: canceled before any byte moved.</exception>
    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct = default) =>
        TransferOne(BioOp.Read, offset, IterDirection.Dest, buffer, ct);

    /// <summary>
    /// Writes <paramref name="buffer"/> at <paramref name="offset"/>: the older argument order of
    /// <see cref="WriteAsync(ReadOnlyMemory{byte}, long, CancellationToken)"/>. A write past the end extends a file.
    /// </summary>
    /// <param name="offset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="buffer">The bytes to write, aligned as for a read.</param>
    /// <param name="ct">Cancels the request, as for a read.</param>
    /// <returns>The bytes written: all of them, or those before a failure part way.</returns>
    /// <exception cref="DirectIoException">EBADF on a read-only file; EINVAL for misalignment; ENOSPC, EFBIG, EIO and the device's errno on failure.</exception>
    /// <exception cref="DirectIoCanceledException">ECANCELED: canceled before any byte moved.</exception>
    public ValueTask<int> WriteAsync(long offset, ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        CheckWritable();
        return TransferOne(BioOp.Write, offset, IterDirection.Source, MemoryMarshal.AsMemory(buffer), ct);
    }

    /// <summary>
    /// A scatter read (preadv): fills <paramref name="buffers"/> in order from <paramref name="offset"/>;
    /// the older argument order of <see cref="ReadAsync(IReadOnlyList{Memory{byte}}, long, CancellationToken)"/>.
    /// The total length must be a multiple of <see cref="Alignment"/>; each buffer's address and
    /// length of <see cref="MemoryAlignment"/> (or bouncing on).
    /// </summary>
    /// <param name="offset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="buffers">The buffers, filled one after another; the list is read during the call and while the request runs.</param>
    /// <param name="ct">Cancels the request, before submission or in flight.</param>
    /// <returns>The bytes read, fewer at the end of the file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffers"/> is null.</exception>
    /// <exception cref="DirectIoException">EINVAL for misalignment; the device's errno on failure.</exception>
    /// <exception cref="DirectIoCanceledException">ECANCELED: canceled before any byte moved.</exception>
    public ValueTask<long> ReadAsync(long offset, IReadOnlyList<Memory<byte>> buffers, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        Request request = RentRequest();
        request.SetList(IterDirection.Dest, buffers);
        return TransferAsync(read: true, offset, request, ct);
    }

    /// <summary>
    /// A gather write (pwritev) of <paramref name="buffers"/> in order at <paramref name="offset"/>;
    /// the older argument order of <see cref="WriteAsync(IReadOnlyList{ReadOnlyMemory{byte}}, long, CancellationToken)"/>.
    /// </summary>
    /// <param name="offset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="buffers">The buffers, written one after another.</param>
    /// <param name="ct">Cancels the request, before submission or in flight.</param>
    /// <returns>The bytes written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffers"/> is null.</exception>
    /// <exception cref="DirectIoException">EBADF on a read-only file; EINVAL for misalignment; the device's errno on failure.</exception>
    /// <exception cref="DirectIoCanceledException">ECANCELED: canceled before any byte moved.</exception>
    public ValueTask<long> WriteAsync(long offset, IReadOnlyList<ReadOnlyMemory<byte>> buffers, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        CheckWritable();
        Request request = RentRequest();
        request.SetList(IterDirection.Source, buffers);
        return TransferAsync(read: false, offset, request, ct);
    }

    /// <summary>
    /// Any iterator kind, straight to <see cref="DirectIo"/>; the iterator stays the caller's and
    /// has advanced by exactly the bytes returned. Pages are taken as the kind says (pinned for
    /// Iovec and Pipe, left alone for Kvec and Bvec: iov_iter_extract_will_pin).
    /// </summary>
    /// <param name="offset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="iter">A <see cref="IterDirection.Dest"/> iterator.</param>
    /// <param name="ct">Cancels the request, before submission or in flight.</param>
    /// <returns>The bytes read.</returns>
    /// <exception cref="DirectIoException">EINVAL for a Source iterator or misalignment; EFAULT for a Discard iterator; the device's errno on failure.</exception>
    /// <exception cref="DirectIoCanceledException">ECANCELED: canceled before any byte moved.</exception>
    public ValueTask<long> ReadAsync(long offset, IovIter iter, CancellationToken ct = default) =>
        DirectIo.ReadAsync(_device, offset, iter, _flags, ct);

    /// <summary>
    /// fio's splice(2) from a file into a pipe: a Direct I/O read of <paramref name="count"/> bytes at
    /// <paramref name="offset"/> into free space at <paramref name="pipe"/>'s tail, each pipe page
    /// pinned for the read (ITER_PIPE: pin_user_page on a page that already holds a reference).
    /// The bytes read become readable from the pipe; returns how many.
    /// </summary>
    /// <param name="offset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="pipe">The pipe whose free space receives the bytes.</param>
    /// <param name="count">Bytes to read: a multiple of <see cref="Alignment"/>, no more than the pipe's free space.</param>
    /// <param name="ct">Cancels the request, before submission or in flight.</param>
    /// <returns>The bytes read into the pipe.</returns>
    /// <exception cref="DirectIoException">EINVAL for misalignment; the device's errno on failure.</exception>
    /// <exception cref="DirectIoCanceledException">ECANCELED: canceled before any byte moved.</exception>
    public ValueTask<long> ReadToPipeAsync(long offset, PipeBuffer pipe, long count, CancellationToken ct = default) =>
        DirectIo.ReadAsync(_device, offset, IovIter.Pipe(IterDirection.Dest, pipe, count), _flags, ct);

    /// <summary>Writes any iterator kind straight through <see cref="DirectIo"/>; the iterator stays the caller's.</summary>
    /// <param name="offset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="iter">A <see cref="IterDirection.Source"/> iterator.</param>
    /// <param name="ct">Cancels the request, before submission or in flight.</param>
    /// <returns>The bytes written.</returns>
    /// <exception cref="DirectIoException">EBADF on a read-only file; EINVAL for a Dest iterator or misalignment; EFAULT for a Discard iterator.</exception>
    /// <exception cref="DirectIoCanceledException">ECANCELED: canceled before any byte moved.</exception>
    public ValueTask<long> WriteAsync(long offset, IovIter iter, CancellationToken ct = default)
    {
        CheckWritable();
        return DirectIo.WriteAsync(_device, offset, iter, _flags, ct);
    }

    /// <summary>
    /// Synchronous read, in the older argument order of <see cref="Read(Memory{byte}, long)"/>:
    /// preadv2 on the calling thread, whatever the engine (see there).
    /// </summary>
    /// <param name="offset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="buffer">Memory to fill, aligned as for <see cref="ReadAsync(long, Memory{byte}, CancellationToken)"/>.</param>
    /// <returns>The bytes read: fewer at the end of the file.</returns>
    /// <exception cref="DirectIoException">EINVAL for misalignment; the device's errno on failure; EBADF once disposed.</exception>
    public int Read(long offset, Memory<byte> buffer) => TransferInline(BioOp.Read, offset, IterDirection.Dest, buffer);

    /// <summary>Synchronous write, in the older argument order of <see cref="Write(ReadOnlyMemory{byte}, long)"/>: pwritev2 on the calling thread.</summary>
    /// <param name="offset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="buffer">The bytes to write, aligned as for a read.</param>
    /// <returns>The bytes written.</returns>
    /// <exception cref="DirectIoException">EBADF on a read-only or disposed file; EINVAL for misalignment; the device's errno on failure.</exception>
    public int Write(long offset, ReadOnlyMemory<byte> buffer)
    {
        CheckWritable();
        return TransferInline(BioOp.Write, offset, IterDirection.Source, MemoryMarshal.AsMemory(buffer));
    }

    /// <summary>
    /// Everything written before the flush is durable when it completes (a flush bio:
    /// IORING_OP_FSYNC with IORING_FSYNC_DATASYNC, or fdatasync), as REQ_PREFLUSH asks of a disk's cache.
    /// </summary>
    /// <param name="ct">Cancels the flush before it is submitted.</param>
    /// <returns>Completes when the data is durable.</returns>
    /// <exception cref="DirectIoException">EBADF once disposed; EIO and the device's errno when data may not be durable.</exception>
    /// <exception cref="DirectIoCanceledException">ECANCELED: canceled before submission.</exception>
    public ValueTask FlushAsync(CancellationToken ct = default) => DirectIo.FlushAsync(_device, ct);

    /// <summary>
    /// Discards [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>)
    /// (fio's trim): a block device gets discard requests (BLKDISCARD, or io_uring's discard
    /// command), a regular file a hole punch that keeps its size. The range then reads as zeroes
    /// on a file or a loop device; a disk may return anything there until it is rewritten.
    /// Offset and length must be multiples of <see cref="Alignment"/> (EINVAL); a device that
    /// cannot discard throws EOPNOTSUPP; a read-only file EBADF. See <see cref="BlkLib.IssueDiscardAsync"/>.
    /// </summary>
    /// <param name="offset">Where the range starts.</param>
    /// <param name="length">The range's length in bytes.</param>
    /// <param name="ct">Cancels the trim before it is submitted.</param>
    /// <returns>Completes when the range is discarded.</returns>
    /// <exception cref="DirectIoException">EINVAL for misalignment, EOPNOTSUPP where discard is impossible, EBADF on a read-only file.</exception>
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

    /// <summary>
    /// As <see cref="Dispose"/>, awaiting instead of blocking: completes when no request can
    /// touch memory any more and the file is closed, with no thread waiting meanwhile (the
    /// engine's threads signal when they have ended what they held). Safe on the engine's
    /// completion thread too. A handle passed to
    /// <see cref="Open(Microsoft.Win32.SafeHandles.SafeFileHandle, DirectFileOptions?, bool)"/> is closed only when the file owns it.
    /// </summary>
    /// <returns>Completes when the file is closed.</returns>
    public ValueTask DisposeAsync() => _device.DisposeAsync();

    /// <summary>
    /// One buffer: the caller awaits the Direct I/O request itself, with no async frame of
    /// ours in between (the request goes back to the cache as the I/O ends, as its completion
    /// hook), so a completion resumes the caller's loop directly.
    /// </summary>
    private ValueTask<int> TransferOne(BioOp op, long offset, IterDirection direction, Memory<byte> buffer, CancellationToken ct)
    {
        Request request = RentRequestFor(direction, buffer);
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

    private ValueTask<long> Submit(bool read, long offset, IovIter iter, CancellationToken ct) => Submit(_device, _flags, read, offset, iter, ct);

    private static ValueTask<long> Submit(Block.IBlockDevice device, DirectIoFlags flags, bool read, long offset, IovIter iter, CancellationToken ct) => read
        ? DirectIo.ReadAsync(device, offset, iter, flags, ct)
        : DirectIo.WriteAsync(device, offset, iter, flags, ct);

    private Request RentRequest() => _requests.TryTake() ?? new Request(this);

    /// <summary>A request holding one buffer; back in the cache at once if the buffer is refused (its owner disposed).</summary>
    private Request RentRequestFor(IterDirection direction, Memory<byte> buffer)
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
        return request;
    }

    private void CheckWritable()
    {
        if (_device.ReadOnly)
        {
            ThrowHelper.ThrowDirectIo(Errno.EBADF, $"'{Path}' was opened read-only: open it with ReadOnly = false to write");
        }
    }


}
