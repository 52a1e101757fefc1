// Follows fs/pipe.c and include/linux/pipe_fs_i.h (a ring of page buffers).
using PinIo.Mm;

namespace PinIo.Iov;

/// <summary>
/// A ring of pooled pages holding a byte stream, as Linux's pipe buffers. The pipe holds one
/// reference on each of its pages; Direct I/O through an <see cref="IterKind.Pipe"/>
/// iterator pins each page on top of it, so a page the pipe lets go of while a request still
/// uses it stays out of the pool until the request unpins it.
/// <para>
/// One reader and one writer at a time, as under the pipe's lock: a destination iterator
/// reserves space at the tail, and the bytes it has been advanced over become readable.
/// </para>
/// </summary>
public sealed class PipeBuffer : IDisposable
{
    private readonly PagePool _pool;
    private readonly Page?[] _ring;
    private int _head;
    private int _pages;
    private int _headOffset;
    private long _length;
    private long _reserved;
    private long _consumed;
    private long _reservationEnd;
    private int _generation;
    private bool _disposed;

    /// <summary>
    /// An empty pipe that takes up to <paramref name="maxPages"/> pages from
    /// <paramref name="pool"/> as it fills (one reference each, dropped as the reader consumes a
    /// page and on <see cref="Dispose"/>).
    /// </summary>
    /// <param name="pool">Where the pipe's pages come from; it must outlive the pipe.</param>
    /// <param name="maxPages">The ring's size in pages (the pipe holds at most maxPages × 4096 bytes).</param>
    /// <exception cref="ArgumentNullException"><paramref name="pool"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPages"/> is not 1 to the pool's capacity.</exception>
    public PipeBuffer(PagePool pool, int maxPages = 16)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxPages);
        if (maxPages > pool.Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPages), maxPages,
                $"a pipe of {maxPages} pages can never fill from a pool of {pool.Capacity}: maxPages must be from 1 to {pool.Capacity}, or use a larger pool.");
        }
        _pool = pool;
        _ring = new Page?[maxPages];
    }

    /// <summary>Readable bytes: written (or filled through a destination iterator) and not yet read.</summary>
    public long Length => _length;

    /// <summary>The ring's size in pages (pipe_max_size / PAGE_SIZE): the most the pipe holds is this × 4096 bytes.</summary>
    public int MaxPages => _ring.Length;

    /// <summary>Bytes that can still be written (or reserved by a destination iterator).</summary>
    public long FreeSpace => ((long)_ring.Length << PageSize.Shift) - _headOffset - _length - _reserved;

    /// <summary>Pages the pipe currently holds a reference on.</summary>
    public int PagesHeld => _pages;

    /// <summary>
    /// Appends up to <c>data.Length</c> bytes; returns how many fit (0 when full), taking pool
    /// pages as needed. Makes every iterator over the pipe stale.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.ENOMEM"/>: the pool has no free page.</exception>
    /// <exception cref="ObjectDisposedException">The pipe is disposed.</exception>
    public int Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        EndReservation();
        // Every iterator made before this write is stale, also a destination iterator whose
        // reservation is already filled (EndReservation then had nothing to end): reverting it
        // would un-publish these bytes.
        _generation++;
        int n = (int)Math.Min(data.Length, FreeSpace);
        EnsurePages(_length + n);
        CopyIn(_consumed + _length, data[..n]);
        _length += n;
        return n;
    }

    /// <summary>
    /// Consumes up to <c>destination.Length</c> bytes from the head; returns how many (0 when
    /// empty). Pages read to their end are released; one still pinned by a request stays out of
    /// the pool until that request unpins it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The pipe is disposed.</exception>
    public int Read(Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int n = (int)Math.Min(destination.Length, _length);
        CopyOut(_consumed, destination[..n]);
        Consume(n);
        return n;
    }

    /// <summary>Consumes up to <paramref name="count"/> bytes from the head unread (a read rounded up to a block, the rest not wanted); returns how many.</summary>
    internal int Discard(int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int n = (int)Math.Min(count, _length);
        Consume(n);
        return n;
    }

    /// <summary>
    /// Drops the pipe's reference on every page it holds and makes every iterator over it stale.
    /// A page still pinned by a request returns to the pool when that request unpins it.
    /// Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _generation++;
        _length = 0;
        _reserved = 0;
        while (_pages > 0)
        {
            ReleaseTailPage();
        }
    }

    /// <summary>The page and offset of the byte at absolute stream position <paramref name="position"/>.</summary>
    internal (Page Page, int Offset) Locate(long position)
    {
        long k = position - _consumed + _headOffset;
        if (k < 0 || k >= (long)_pages << PageSize.Shift)
        {
            ThrowHelper.ThrowMisuse("A pipe iterator was used after the pipe's bytes it covers were read or released.");
        }
        Page page = _ring[(_head + (int)(k >> PageSize.Shift)) % _ring.Length]!;
        return (page, (int)(k & PageSize.OffsetMask));
    }

    /// <summary>Reserves <paramref name="count"/> bytes at the tail for a destination iterator; returns its generation.</summary>
    internal int BeginReservation(long count, out long start)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        EndReservation();
        if (count > FreeSpace)
        {
            ThrowHelper.ThrowDirectIo(Errno.EAGAIN, $"pipe has {FreeSpace} free bytes, {count} were asked for: read from the pipe first or use a larger pipe.");
        }
        start = _consumed + _length;
        _reservationEnd = start + count;
        _reserved = count;
        EnsurePages(_length + count);
        return ++_generation;
    }

    /// <summary>A destination iterator moved: bytes up to <paramref name="end"/> (absolute) become readable.</summary>
    internal void Publish(int generation, long end)
    {
        CheckGeneration(generation);
        if (end < _consumed)
        {
            ThrowHelper.ThrowMisuse("A pipe iterator was reverted over bytes the reader already consumed: only bytes still in the pipe can be taken back.");
        }
        _length = end - _consumed;
        _reserved = _reservationEnd - end;
    }

    /// <summary>A source iterator may cover only bytes that are readable now.</summary>
    internal int BeginView(long count, out long start)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count > _length)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(count), $"pipe holds {_length} readable bytes, fewer than the {count} asked for.");
        }
        start = _consumed;
        return _generation;
    }

    internal void CheckGeneration(int generation)
    {
        if (generation != _generation || _disposed)
        {
            ThrowHelper.ThrowMisuse("This pipe iterator is stale: the pipe was written, reserved again or disposed since it was made.");
        }
    }

    private void EndReservation()
    {
        if (_reserved == 0)
        {
            return;
        }
        _reserved = 0;
        _generation++;
        int needed = PagesFor(_length);
        while (_pages > needed)
        {
            ReleaseTailPage();
        }
    }

    private void Consume(int n)
    {
        _headOffset += n;
        _length -= n;
        _consumed += n;
        while (_headOffset >= PageSize.Bytes || (_length == 0 && _reserved == 0 && _pages > 0))
        {
            ReleaseHeadPage();
            _headOffset = Math.Max(0, _headOffset - PageSize.Bytes);
        }
    }

    private int PagesFor(long bytes) => bytes == 0 && _headOffset == 0 ? 0 : (int)((_headOffset + bytes + PageSize.OffsetMask) >> PageSize.Shift);

    private void EnsurePages(long bytes)
    {
        int needed = PagesFor(bytes);
        while (_pages < needed)
        {
            _ring[(_head + _pages) % _ring.Length] = _pool.Alloc();
            _pages++;
        }
    }

    private void ReleaseHeadPage()
    {
        Page page = _ring[_head]!;
        _ring[_head] = null;
        _head = (_head + 1) % _ring.Length;
        _pages--;
        page.Put();
    }

    private void ReleaseTailPage()
    {
        int tail = (_head + _pages - 1) % _ring.Length;
        Page page = _ring[tail]!;
        _ring[tail] = null;
        _pages--;
        page.Put();
        if (_pages == 0)
        {
            _headOffset = 0;
        }
    }

    private void CopyIn(long position, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            (Page page, int offset) = Locate(position);
            int chunk = Math.Min(data.Length, PageSize.Bytes - offset);
            data[..chunk].CopyTo(page.AsSpan()[offset..]);
            data = data[chunk..];
            position += chunk;
        }
    }

    private void CopyOut(long position, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            (Page page, int offset) = Locate(position);
            int chunk = Math.Min(destination.Length, PageSize.Bytes - offset);
            page.AsSpan().Slice(offset, chunk).CopyTo(destination);
            destination = destination[chunk..];
            position += chunk;
        }
    }
}
