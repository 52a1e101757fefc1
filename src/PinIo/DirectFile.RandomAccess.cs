// Follows block/fops.c (blkdev_read_iter/blkdev_write_iter) in System.IO.RandomAccess's argument order.
using System.Runtime.InteropServices;
using PinIo.Block;
using PinIo.Fs;
using PinIo.Iov;

namespace PinIo;

public sealed partial class DirectFile
{
    /// <summary>
    /// Reads into <paramref name="buffer"/> from <paramref name="fileOffset"/>, in
    /// <see cref="RandomAccess.ReadAsync(Microsoft.Win32.SafeHandles.SafeFileHandle, Memory{byte}, long, CancellationToken)"/>'s
    /// argument order. The buffer's pages are pinned (FOLL_PIN) for the request's life and
    /// unpinned dirty when it ends (bio_release_pages); memory from <see cref="AllocateBuffer"/>
    /// goes out as fixed-buffer I/O with no pin. A request larger than the device's largest bio
    /// becomes several bios in flight at once.
    /// <para>
    /// Cancellation: a token canceled before submission throws at once; one canceled while the
    /// request is in flight asks the engine to cancel its bios (io_uring: IORING_OP_ASYNC_CANCEL
    /// for each of the request's SQEs). A bio the kernel has already started usually completes:
    /// the request then ends normally (all the bytes, or the bytes before the first canceled bio),
    /// or, when no byte moved, with <see cref="DirectIoCanceledException"/>. Either way every page
    /// is released exactly once. The sync and libaio engines cannot cancel a bio in flight
    /// (io_cancel refuses file reads with EINVAL): their requests complete.
    /// </para>
    /// </summary>
    /// <param name="buffer">Memory to fill: address and length multiples of <see cref="MemoryAlignment"/> (or bouncing on).</param>
    /// <param name="fileOffset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="cancellationToken">Cancels the request before submission or in flight.</param>
    /// <returns>The bytes read: fewer at the end of the file, 0 at or past it.</returns>
    /// <exception cref="DirectIoException">EINVAL for a misaligned offset, length or memory (the message names the alignment); EIO and the device's errno on failure; EBADF once disposed.</exception>
    /// <exception cref="DirectIoCanceledException">ECANCELED: canceled before any byte moved.</exception>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, long fileOffset, CancellationToken cancellationToken = default) =>
        ReadAsync(fileOffset, buffer, cancellationToken);

    /// <summary>
    /// Writes <paramref name="buffer"/> at <paramref name="fileOffset"/>, in
    /// <see cref="RandomAccess.WriteAsync(Microsoft.Win32.SafeHandles.SafeFileHandle, ReadOnlyMemory{byte}, long, CancellationToken)"/>'s
    /// argument order. A write past the end extends a file (its size moves when the write has
    /// completed); durability needs <see cref="FlushAsync"/> or <see cref="DirectFileOptions.Dsync"/>.
    /// Cancellation as for <see cref="ReadAsync(Memory{byte}, long, CancellationToken)"/>.
    /// </summary>
    /// <param name="buffer">The bytes to write, aligned as for a read.</param>
    /// <param name="fileOffset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="cancellationToken">Cancels the request before submission or in flight.</param>
    /// <returns>The bytes written: all, or those before a failure part way.</returns>
    /// <exception cref="DirectIoException">EBADF on a read-only or disposed file; EINVAL for misalignment; ENOSPC, EFBIG, EIO and the device's errno on failure.</exception>
    /// <exception cref="DirectIoCanceledException">ECANCELED: canceled before any byte moved.</exception>
    public ValueTask<int> WriteAsync(ReadOnlyMemory<byte> buffer, long fileOffset, CancellationToken cancellationToken = default) =>
        WriteAsync(fileOffset, buffer, cancellationToken);

    /// <summary>
    /// A scatter read (preadv) into <paramref name="buffers"/>, in order, from
    /// <paramref name="fileOffset"/>, in RandomAccess's argument order. The total length must be a
    /// multiple of <see cref="Alignment"/>. Cancellation as for
    /// <see cref="ReadAsync(Memory{byte}, long, CancellationToken)"/>.
    /// </summary>
    /// <param name="buffers">The buffers, filled one after another; read during the call and while the request runs.</param>
    /// <param name="fileOffset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="cancellationToken">Cancels the request before submission or in flight.</param>
    /// <returns>The bytes read, fewer at the end of the file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffers"/> is null.</exception>
    /// <exception cref="DirectIoException">EINVAL for misalignment; the device's errno on failure.</exception>
    /// <exception cref="DirectIoCanceledException">ECANCELED: canceled before any byte moved.</exception>
    public ValueTask<long> ReadAsync(IReadOnlyList<Memory<byte>> buffers, long fileOffset, CancellationToken cancellationToken = default) =>
        ReadAsync(fileOffset, buffers, cancellationToken);

    /// <summary>
    /// A gather write (pwritev) of <paramref name="buffers"/>, in order, at <paramref name="fileOffset"/>,
    /// in RandomAccess's argument order (returning the bytes written). Cancellation as for
    /// <see cref="ReadAsync(Memory{byte}, long, CancellationToken)"/>.
    /// </summary>
    /// <param name="buffers">The buffers, written one after another.</param>
    /// <param name="fileOffset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="cancellationToken">Cancels the request before submission or in flight.</param>
    /// <returns>The bytes written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffers"/> is null.</exception>
    /// <exception cref="DirectIoException">EBADF on a read-only file; EINVAL for misalignment; the device's errno on failure.</exception>
    /// <exception cref="DirectIoCanceledException">ECANCELED: canceled before any byte moved.</exception>
    public ValueTask<long> WriteAsync(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset, CancellationToken cancellationToken = default) =>
        WriteAsync(fileOffset, buffers, cancellationToken);

    /// <summary>
    /// Synchronous read, in <see cref="RandomAccess.Read(Microsoft.Win32.SafeHandles.SafeFileHandle, Span{byte}, long)"/>'s
    /// argument order: preadv2 with O_DIRECT on the calling thread (__blkdev_direct_IO_simple),
    /// whatever the engine, so no thread waits for a completion from another. The ring is not
    /// used: it is single-issuer, and a request handed to its thread and waited for costs two
    /// thread wake-ups more than the read itself. Memory is pinned (FOLL_PIN) for the call, as
    /// for an asynchronous read; memory from <see cref="AllocateBuffer"/> is pinned by the kernel
    /// for the call too (fixed buffers are the ring's). Safe on the engine's completion thread.
    /// A <see cref="Memory{T}"/>, not a span: PinIo pins the buffer's pages through it.
    /// </summary>
    /// <param name="buffer">Memory to fill, aligned as for <see cref="ReadAsync(Memory{byte}, long, CancellationToken)"/>.</param>
    /// <param name="fileOffset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <returns>The bytes read: fewer at the end of the file.</returns>
    /// <exception cref="DirectIoException">EINVAL for misalignment; the kernel's errno on failure; EBADF once disposed.</exception>
    public int Read(Memory<byte> buffer, long fileOffset) => Read(fileOffset, buffer);

    /// <summary>
    /// Synchronous write, in RandomAccess's argument order: pwritev2 with O_DIRECT on the calling
    /// thread, as <see cref="Read(Memory{byte}, long)"/>.
    /// </summary>
    /// <param name="buffer">The bytes to write, aligned as for a read.</param>
    /// <param name="fileOffset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <returns>The bytes written.</returns>
    /// <exception cref="DirectIoException">EBADF on a read-only or disposed file; EINVAL for misalignment; the kernel's errno on failure.</exception>
    public int Write(ReadOnlyMemory<byte> buffer, long fileOffset) => Write(fileOffset, buffer);

    /// <summary>Synchronous scatter read (preadv2) on the calling thread, as <see cref="Read(Memory{byte}, long)"/>.</summary>
    /// <param name="buffers">The buffers, filled one after another.</param>
    /// <param name="fileOffset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <returns>The bytes read, fewer at the end of the file.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffers"/> is null.</exception>
    /// <exception cref="DirectIoException">EINVAL for misalignment; the kernel's errno on failure.</exception>
    public long Read(IReadOnlyList<Memory<byte>> buffers, long fileOffset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        Request request = RentRequest();
        request.SetList(IterDirection.Dest, buffers);
        return WaitInline(TransferAsync(_device.Inline, read: true, fileOffset, request));
    }

    /// <summary>Synchronous gather write (pwritev2) on the calling thread, as <see cref="Write(ReadOnlyMemory{byte}, long)"/>.</summary>
    /// <param name="buffers">The buffers, written one after another.</param>
    /// <param name="fileOffset">The file offset: a multiple of <see cref="Alignment"/>.</param>
    /// <returns>The bytes written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="buffers"/> is null.</exception>
    /// <exception cref="DirectIoException">EBADF on a read-only file; EINVAL for misalignment; the kernel's errno on failure.</exception>
    public long Write(IReadOnlyList<ReadOnlyMemory<byte>> buffers, long fileOffset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        CheckWritable();
        Request request = RentRequest();
        request.SetList(IterDirection.Source, buffers);
        return WaitInline(TransferAsync(_device.Inline, read: false, fileOffset, request));
    }

    /// <summary>One buffer on the device's inline path: the request has ended when DirectIo returns.</summary>
    private int TransferInline(BioOp op, long offset, IterDirection direction, Memory<byte> buffer)
    {
        Request request = RentRequestFor(direction, buffer);
        // Inline continuations mean nothing here: the request ends inside the call.
        return WaitInline(DirectIo.RwIntAsync(_device.Inline, op, offset, request.Iter, _flags & ~DirectIoFlags.InlineCompletion, request, CancellationToken.None));
    }

    private async ValueTask<long> TransferAsync(IBlockDevice device, bool read, long offset, Request request)
    {
        try
        {
            return await Submit(device, _flags & ~DirectIoFlags.InlineCompletion, read, offset, request.Iter, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            ReturnRequest(request);
        }
    }

    /// <summary>
    /// The result of a request on the inline path, which has ended by now (every bio ran inside
    /// its Submit); were one ever still pending, this waits for it rather than return too early.
    /// </summary>
    private static T WaitInline<T>(ValueTask<T> pending) =>
        pending.IsCompleted ? pending.GetAwaiter().GetResult() : pending.AsTask().GetAwaiter().GetResult();
}
