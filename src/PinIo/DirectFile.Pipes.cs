// Follows fs/splice.c (splice from a file into a pipe, then out of it) with ITER_PIPE reads (lib/iov_iter.c).
using System.IO.Pipelines;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo;

public sealed partial class DirectFile
{
    /// <summary>
    /// Pages of each of the two pipes <see cref="ReadToPipeAsync(long, long, PipeWriter, CancellationToken)"/>
    /// alternates between (256 KiB each: a writer's reader gets bytes in pieces it can send while
    /// the next is read; 1 MiB pieces measured no better, bench/README.md).
    /// </summary>
    private const int PipeWriterPipePages = 64;

    /// <summary>
    /// Streams <paramref name="count"/> bytes from <paramref name="offset"/> into
    /// <paramref name="writer"/> as fio's splice does: each piece is a Direct I/O read into a
    /// <see cref="PipeBuffer"/> of pages from the file's buffer pool (ITER_PIPE: every pipe page
    /// pinned with <c>PinUserPage</c> while the device fills it), then copied once into the
    /// writer's memory (<see cref="PipeWriter.GetSpan"/> hands out the writer's own memory: that copy is
    /// the one its contract forces) and flushed. Two pipes alternate, so the device reads the next
    /// piece while the last one is copied out and flushed. Stops early at the end of the file
    /// or when the reader completes; the writer is neither completed nor disposed.
    /// </summary>
    /// <param name="offset">Where to start: a multiple of <see cref="Alignment"/>.</param>
    /// <param name="count">Bytes to stream; any length (the last read is rounded up to a block and the rest dropped).</param>
    /// <param name="writer">Where the bytes go.</param>
    /// <param name="cancellationToken">Checked before each read and passed to each flush.</param>
    /// <returns>The bytes written to <paramref name="writer"/>: <paramref name="count"/>, or fewer at the end of the file or when the reader stopped.</returns>
    /// <exception cref="DirectIoException">EINVAL: <paramref name="offset"/> is not a multiple of <see cref="Alignment"/>; ENOMEM: the file has no buffer pool or one of fewer than 2 pages; the errno of a failed read.</exception>
    public async ValueTask<long> ReadToPipeAsync(long offset, long count, PipeWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        PagePool pool = CheckPipeRange(offset, count);
        int pages = Math.Min(PipeWriterPipePages, pool.Capacity / 2);
        using var filling = new PipeBuffer(pool, pages);
        using var draining = new PipeBuffer(pool, pages);
        var pipes = new PipeSplice(this, filling, draining, offset, count);
        try
        {
            pipes.StartFill(cancellationToken);
            while (true)
            {
                long got = await pipes.EndFillAsync().ConfigureAwait(false);
                if (got == 0)
                {
                    return pipes.Written;
                }
                pipes.StartFill(cancellationToken);
                pipes.CopyOut(got, writer);
                FlushResult flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return pipes.Written;
                }
            }
        }
        finally
        {
            // A read may still be filling a pipe's pages: they stay pinned until it ends.
            await pipes.AbandonFillAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A <see cref="PipeReader"/> over bytes [<paramref name="offset"/>, +<paramref name="count"/>)
    /// of the file, with no copy: each <see cref="ReadResult.Buffer"/> is a sequence of the
    /// reader's staging chunks (registered pool memory: Direct I/O into it costs the kernel no
    /// pin) exactly as the device filled them, <paramref name="readAheadDepth"/> chunks read ahead.
    /// A chunk goes back to reading when <see cref="PipeReader.AdvanceTo(SequencePosition)"/>
    /// consumes past it. Complete it before disposing the file: its chunks return to the pool
    /// when it completes. A token given to <see cref="PipeReader.ReadAsync"/>, and
    /// <see cref="PipeReader.CancelPendingRead"/>, are seen before a wait for the device and when
    /// it ends, not during it: a read ahead belongs to the reader and runs to its end.
    /// </summary>
    /// <param name="offset">Where the range starts (any offset: reads start at its block).</param>
    /// <param name="count">The range's length; a range past the end of the file ends there.</param>
    /// <param name="bufferSize">Bytes of one chunk (one request): a multiple of the page size and of <see cref="Alignment"/>; 1 MiB by default.</param>
    /// <param name="readAheadDepth">Chunks read ahead, at least 1; 4 by default.</param>
    /// <exception cref="DirectIoException">ENOMEM: no buffer pool, or one smaller than the chunks asked for.</exception>
    public PipeReader CreatePipeReader(long offset, long count, int bufferSize = 1 << 20, int readAheadDepth = 4)
    {
        PagePool pool = CheckPipeRange(offset, count, requireAlignedOffset: false);
        return new DirectFilePipeReader(this, pool, offset, count, bufferSize, readAheadDepth);
    }

    private PagePool CheckPipeRange(long offset, long count, bool requireAlignedOffset = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (requireAlignedOffset && offset % Alignment != 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"offset {offset} of '{Path}' is not a multiple of its {Alignment}-byte blocks: start at a block and skip the bytes before the offset, or use CreatePipeReader");
        }
        PagePool pool = _device.BufferPool
            ?? throw new DirectIoException(Errno.ENOMEM, $"'{Path}' was opened with BufferPoolBytes = 0: pipes take their pages from the file's buffer pool; open the file with one");
        if (pool.Capacity < 2)
        {
            ThrowHelper.ThrowDirectIo(Errno.ENOMEM, $"the buffer pool of '{Path}' has {pool.Capacity} page: pipes need at least 2; raise BufferPoolBytes");
        }
        return pool;
    }

    /// <summary>
    /// The two pipes of <see cref="ReadToPipeAsync(long, long, PipeWriter, CancellationToken)"/>:
    /// one filled by the device while the other is copied out.
    /// </summary>
    private sealed class PipeSplice(DirectFile file, PipeBuffer filling, PipeBuffer draining, long offset, long count)
    {
        private ValueTask<long> _fill;
        private bool _fillPending;
        private long _asked;
        private long _next = offset;
        private long _remaining = count;
        private bool _ended;

        public long Written { get; private set; }

        /// <summary>Starts the next read into the filling pipe, unless the range or the file ended.</summary>
        public void StartFill(CancellationToken cancellationToken)
        {
            if (_ended || _remaining == 0)
            {
                return;
            }
            cancellationToken.ThrowIfCancellationRequested();
            long blocks = (_remaining + file.Alignment - 1) / file.Alignment * file.Alignment;
            _asked = Math.Min(blocks, filling.FreeSpace / file.Alignment * file.Alignment);
            // Awaited exactly once, by EndFillAsync or AbandonFillAsync.
#pragma warning disable CA2012
            _fill = file.ReadToPipeAsync(_next, filling, _asked, CancellationToken.None);
#pragma warning restore CA2012
            _fillPending = true;
        }

        /// <summary>Waits for the read started last and swaps the pipes: the bytes it got are in the draining one. 0: nothing more.</summary>
        public async ValueTask<long> EndFillAsync()
        {
            if (!_fillPending)
            {
                return 0;
            }
            _fillPending = false;
            long got = await _fill.ConfigureAwait(false);
            _ended = got < _asked;
            _next += got;
            (filling, draining) = (draining, filling);
            return got;
        }

        /// <summary>The range's share of the <paramref name="got"/> bytes in the draining pipe into the writer; a block's rounding dropped.</summary>
        public void CopyOut(long got, PipeWriter writer)
        {
            long take = Math.Min(got, _remaining);
            _remaining -= take;
            Written += take;
            while (take > 0)
            {
                Span<byte> span = writer.GetSpan((int)Math.Min(take, 1 << 16));
                int n = draining.Read(span[..(int)Math.Min(span.Length, take)]);
                writer.Advance(n);
                take -= n;
            }
            draining.Discard((int)Math.Min(int.MaxValue, draining.Length));
        }

        /// <summary>After a failure or an early end: waits for a read still filling pages (its error is no one's to report now).</summary>
        public async ValueTask AbandonFillAsync()
        {
            if (!_fillPending)
            {
                return;
            }
            _fillPending = false;
            try
            {
                await _fill.ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The caller is already leaving with another outcome.
            }
        }
    }
}
