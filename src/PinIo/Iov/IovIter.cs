// Follows include/linux/uio.h and lib/iov_iter.c (advance, revert, truncate, reexpand, alignment).
using System.Runtime.CompilerServices;
using PinIo.Mm;

namespace PinIo.Iov;

/// <summary>
/// The memory side of one I/O: a kind, a direction, the bytes still to transfer
/// (<see cref="Count"/>) and a position within the segments. Operations dispatch by kind to
/// small helpers, as lib/iov_iter.c does. Not thread-safe: one request owns it at a time.
/// </summary>
public sealed partial class IovIter
{
    private IReadOnlyList<Memory<byte>>? _user;
    private IReadOnlyList<KernelVec>? _kvecs;
    private IReadOnlyList<BioVec>? _bvecs;
    private PipeBuffer? _pipe;
    private Memory<byte>[]? _single;
    private long _pipeStart;
    private int _pipeGeneration;

    private long _count;
    private long _consumed;
    private long _total;
    private int _seg;
    private long _segOffset;

    // The length of segment _seg, or -1 until asked: one lookup per segment rather than one
    // at every step (a reused one-buffer iterator keeps it across restarts).
    private long _segLength = -1;

    // Where segment _seg starts when its memory never moves (native memory, a pre-pinned
    // array), 0 when it may (a managed array), -1 until asked: kept as the length is.
    private nint _segAddress = -1;

    // PinIo's pool memory behind segment _seg when it is, found with _segAddress and kept as it
    // is: its pages are pinned straight from their pool (TryPinWholePoolRun).
    private PoolMemory? _segPool;

    private IovIter(IterKind kind, IterDirection direction)
    {
        Kind = kind;
        Direction = direction;
    }

    /// <summary>
    /// The kind of memory (iov_iter_is_*): decides whether <see cref="PinPages"/> pins
    /// (<see cref="IterKind.Iovec"/>, <see cref="IterKind.Pipe"/>), takes nothing
    /// (<see cref="IterKind.Kvec"/>, <see cref="IterKind.Bvec"/>) or fails with EFAULT
    /// (<see cref="IterKind.Discard"/>).
    /// </summary>
    public IterKind Kind { get; private set; }

    /// <summary>
    /// <see cref="IterDirection.Dest"/> for a read (only <see cref="CopyToIter"/> and pinning with
    /// FOLL_WRITE), <see cref="IterDirection.Source"/> for a write (only <see cref="CopyFromIter"/>).
    /// </summary>
    public IterDirection Direction { get; private set; }

    /// <summary>Bytes still to transfer (iov_iter_count).</summary>
    public long Count => _count;

    /// <summary>
    /// iov_iter_extract_will_pin(): whether pages taken for Direct I/O are pinned (and must be
    /// unpinned), as for <see cref="IterKind.Iovec"/> and <see cref="IterKind.Pipe"/>.
    /// </summary>
    public bool ExtractWillPin => Kind is IterKind.Iovec or IterKind.Pipe;

    /// <summary>
    /// Where the pages a bio pins from this iterator's memory are counted besides
    /// <see cref="PinStats"/>: acquired when pinned, released when the bio lets go of them,
    /// whichever thread that is. Null (the default): counted in <see cref="PinStats"/> only.
    /// </summary>
    public PinCounter? PinCounter { get; set; }

    /// <summary>Bytes advanced over since the iterator was made (what <see cref="Revert"/> may undo).</summary>
    public long Consumed => _consumed;

    /// <summary>
    /// ITER_IOVEC over caller memory (managed arrays, memory managers or native memory): Direct
    /// I/O pins its pages (FOLL_PIN) for the lifetime of each bio and unpins them when the bio
    /// ends, dirtying them first for a read. <see cref="Count"/> is the sum of the lengths;
    /// empty buffers are skipped. The array is used in place, not copied: do not change it while
    /// the iterator is in use.
    /// </summary>
    /// <param name="d"><see cref="IterDirection.Dest"/> for a read, <see cref="IterDirection.Source"/> for a write.</param>
    /// <param name="buffers">The segments, in transfer order.</param>
    public static IovIter User(IterDirection d, params Memory<byte>[] buffers) =>
        User(d, (IReadOnlyList<Memory<byte>>)buffers);

    /// <summary>
    /// ITER_IOVEC over a list of caller buffers, as <see cref="User(IterDirection, Memory{byte}[])"/>.
    /// The list is read in place, not copied: it must not change while the iterator is in use.
    /// </summary>
    /// <param name="d"><see cref="IterDirection.Dest"/> for a read, <see cref="IterDirection.Source"/> for a write.</param>
    /// <param name="buffers">The segments, in transfer order.</param>
    /// <exception cref="ArgumentNullException"><paramref name="buffers"/> is null.</exception>
    public static IovIter User(IterDirection d, IReadOnlyList<Memory<byte>> buffers)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        var iter = new IovIter(IterKind.Iovec, d) { _user = buffers };
        long total = 0;
        for (int i = 0; i < buffers.Count; i++)
        {
            total += buffers[i].Length;
        }
        iter.Start(total);
        return iter;
    }

    /// <summary>
    /// ITER_KVEC over native memory the caller owns and keeps valid for the whole I/O: Direct
    /// I/O takes no pin and no reference on it (the caller already holds it) and releases
    /// nothing; bios built from it are marked <c>NoPageRef</c>. The list is read in place.
    /// </summary>
    /// <param name="d"><see cref="IterDirection.Dest"/> for a read, <see cref="IterDirection.Source"/> for a write.</param>
    /// <param name="vecs">The segments, in transfer order; a non-empty one needs a non-zero address.</param>
    /// <exception cref="ArgumentNullException"><paramref name="vecs"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A segment has a negative length.</exception>
    /// <exception cref="ArgumentException">A non-empty segment has address 0.</exception>
    public static IovIter Kernel(IterDirection d, IReadOnlyList<KernelVec> vecs)
    {
        ArgumentNullException.ThrowIfNull(vecs);
        long total = 0;
        for (int i = 0; i < vecs.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(vecs[i].Length, nameof(vecs));
            if (vecs[i].Length > 0 && vecs[i].Address == 0)
            {
                throw new ArgumentException($"kvec {i} has a null address.", nameof(vecs));
            }
            total += vecs[i].Length;
        }
        var iter = new IovIter(IterKind.Kvec, d) { _kvecs = vecs };
        iter.Start(total);
        return iter;
    }

    /// <summary>
    /// ITER_BVEC over pages the caller already references (typically <see cref="PagePool"/>
    /// pages): Direct I/O leaves their reference counts alone (bios marked <c>NoPageRef</c>), and
    /// a device with the pool registered as fixed buffers uses them without a kernel pin. The
    /// caller keeps its references until the I/O ends. The list is read in place.
    /// </summary>
    /// <param name="d"><see cref="IterDirection.Dest"/> for a read, <see cref="IterDirection.Source"/> for a write.</param>
    /// <param name="vecs">The segments, in transfer order; an offset may run past the first page
    /// into the pages that follow it in memory.</param>
    /// <exception cref="ArgumentNullException"><paramref name="vecs"/> is null.</exception>
    /// <exception cref="ArgumentException">A segment has no page, or a negative offset or length.</exception>
    public static IovIter Pages(IterDirection d, IReadOnlyList<BioVec> vecs)
    {
        ArgumentNullException.ThrowIfNull(vecs);
        long total = 0;
        for (int i = 0; i < vecs.Count; i++)
        {
            BioVec v = vecs[i];
            if (v.Page is null || v.Offset < 0 || v.Length < 0)
            {
                throw new ArgumentException($"bvec {i} needs a page, a non-negative offset and a non-negative length.", nameof(vecs));
            }
            total += v.Length;
        }
        var iter = new IovIter(IterKind.Bvec, d) { _bvecs = vecs };
        iter.Start(total);
        return iter;
    }

    /// <summary>
    /// ITER_PIPE over a <see cref="PipeBuffer"/>. As a destination it reserves
    /// <paramref name="count"/> bytes at the pipe's tail, and the bytes it is advanced over become
    /// readable; as a source it covers the first <paramref name="count"/> readable bytes without
    /// consuming them. Direct I/O pins each pipe page on top of the pipe's reference
    /// (pin_user_page) and unpins it when the bio ends. The iterator goes stale when the pipe is
    /// written, reserved again or disposed; using it then throws <see cref="InvalidOperationException"/>.
    /// </summary>
    /// <exception cref="DirectIoException"><see cref="Errno.EAGAIN"/> (destination): the pipe has
    /// fewer than <paramref name="count"/> free bytes; read from it first or make it larger.
    /// <see cref="Errno.ENOMEM"/>: its pool has no free page for the reservation.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative, or (source)
    /// more than the pipe's readable bytes.</exception>
    /// <exception cref="ObjectDisposedException">The pipe is disposed.</exception>
    public static IovIter Pipe(IterDirection d, PipeBuffer pipe, long count)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var iter = new IovIter(IterKind.Pipe, d) { _pipe = pipe };
        iter._pipeGeneration = d == IterDirection.Dest
            ? pipe.BeginReservation(count, out iter._pipeStart)
            : pipe.BeginView(count, out iter._pipeStart);
        iter.Start(count);
        return iter;
    }

    /// <summary>
    /// ITER_DISCARD: a destination of <paramref name="count"/> bytes with no memory. Copies into
    /// it succeed and are dropped (a read that skips data); taking its pages for Direct I/O fails
    /// with a <see cref="DirectIoException"/> of <see cref="Errno.EFAULT"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static IovIter Discard(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var iter = new IovIter(IterKind.Discard, IterDirection.Dest);
        iter.Start(count);
        return iter;
    }

    /// <summary>An empty iterator for reuse through the Reset methods (no allocation per I/O).</summary>
    internal static IovIter CreateReusable() => new(IterKind.Iovec, IterDirection.Dest) { _single = new Memory<byte>[1] };

    /// <summary>Points a reusable iterator at one buffer.</summary>
    internal void ResetUser(IterDirection d, Memory<byte> buffer)
    {
        _single ??= new Memory<byte>[1];
        _single[0] = buffer;
        Reuse(IterKind.Iovec, d);
        _user = _single;
        Start(buffer.Length);
        _segLength = buffer.Length;
    }

    /// <summary>Points a reusable iterator at a caller's list of buffers.</summary>
    internal void ResetUser(IterDirection d, IReadOnlyList<Memory<byte>> buffers)
    {
        Reuse(IterKind.Iovec, d);
        _user = buffers;
        long total = 0;
        for (int i = 0; i < buffers.Count; i++)
        {
            total += buffers[i].Length;
        }
        Start(total);
    }

    /// <summary>Points a reusable iterator at pages the caller references.</summary>
    internal void ResetPages(IterDirection d, IReadOnlyList<BioVec> vecs, long total)
    {
        Reuse(IterKind.Bvec, d);
        _bvecs = vecs;
        Start(total);
    }

    /// <summary>Points a reusable iterator at a pipe, as <see cref="Pipe"/> makes one (a splice engine's iterator, made once).</summary>
    internal void ResetPipe(IterDirection d, PipeBuffer pipe, long count)
    {
        ArgumentNullException.ThrowIfNull(pipe);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Reuse(IterKind.Pipe, d);
        _pipe = pipe;
        _pipeGeneration = d == IterDirection.Dest
            ? pipe.BeginReservation(count, out _pipeStart)
            : pipe.BeginView(count, out _pipeStart);
        Start(count);
    }

    /// <summary>Drops references to the caller's memory so a pooled iterator does not keep it alive.</summary>
    internal void Clear()
    {
        if (_single is not null)
        {
            _single[0] = default;
        }
        Reuse(Kind, Direction);
        Start(0);
    }

    private void Reuse(IterKind kind, IterDirection d)
    {
        Kind = kind;
        Direction = d;
        _user = null;
        _kvecs = null;
        _bvecs = null;
        _pipe = null;
    }

    /// <summary>
    /// iov_iter_advance(): moves past <paramref name="n"/> bytes (0 &lt;= n &lt;= <see cref="Count"/>),
    /// crossing and skipping empty segments. For a pipe destination the bytes advanced over
    /// become readable in the pipe.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative or more than <see cref="Count"/>.</exception>
    public void Advance(long n)
    {
        if ((ulong)n > (ulong)_count)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(n), $"cannot advance by {n}: the iterator has {_count} bytes left.");
        }
        AdvanceCore(n);
    }

    /// <summary>
    /// iov_iter_revert(): steps back over <paramref name="n"/> bytes already advanced over
    /// (after a short transfer), growing <see cref="Count"/> by <paramref name="n"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is negative or more than <see cref="Consumed"/>.</exception>
    /// <exception cref="InvalidOperationException">A pipe iterator would take back bytes the pipe's reader already consumed.</exception>
    public void Revert(long n)
    {
        if ((ulong)n > (ulong)_consumed)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(n), $"cannot revert by {n}: only {_consumed} bytes were advanced over.");
        }
        _count += n;
        _consumed -= n;
        while (n > 0)
        {
            if (n <= _segOffset)
            {
                _segOffset -= n;
                n = 0;
            }
            else
            {
                n -= _segOffset;
                _seg--;
                ForgetSegment();
                _segOffset = CurrentSegmentLength();
            }
        }
        PublishPipe();
    }

    /// <summary>
    /// Back to the first byte with every byte of the segments again: <see cref="Revert"/> of
    /// <see cref="Consumed"/> and <see cref="Reexpand"/> to the whole, without walking the
    /// segments back (a reused iterator's rewind after every I/O).
    /// </summary>
    internal void Restart()
    {
        if (Kind == IterKind.Pipe)
        {
            Revert(_consumed);
            Reexpand(_total);
            return;
        }
        // Still in the first segment, what is known of it (length, address, pool) stays true.
        bool inFirstSegment = _seg == 0;
        Rewind(_total);
        if (!inFirstSegment)
        {
            ForgetSegment();
        }
    }

    /// <summary>
    /// iov_iter_truncate(): limits <see cref="Count"/> to <paramref name="count"/> bytes (at end of
    /// file, or to one extent); never grows it. Undo with <see cref="Reexpand"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Truncate(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_count > count)
        {
            _count = count;
        }
    }

    /// <summary>
    /// iov_iter_reexpand(): sets <see cref="Count"/> back to <paramref name="count"/> after a
    /// <see cref="Truncate"/>, at most the bytes the segments hold from the position.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative or more than the memory left.</exception>
    public void Reexpand(long count)
    {
        if (count < 0 || count > _total - _consumed)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(count), $"cannot reexpand to {count}: the segments hold {_total - _consumed} bytes from here.");
        }
        _count = count;
    }

    /// <summary>
    /// iov_iter_alignment(): the OR of every non-empty segment's start address and length
    /// within <see cref="Count"/>, the first segment from the position. The caller tests it
    /// against a mask: <c>(Alignment() &amp; (DmaAlignment - 1)) != 0</c> means bounce or EINVAL.
    /// 0 for <see cref="IterKind.Discard"/>. Managed memory may move after the look unless it is
    /// pinned for I/O.
    /// </summary>
    public long Alignment()
    {
        if (Kind == IterKind.Discard || _count == 0)
        {
            return 0;
        }
        if (Kind == IterKind.Iovec && RestLiesInCurrentSegment())
        {
            // Every byte left lies in the segment at the position (a one-buffer iterator's case).
            return (CurrentUserAddress() + (nint)_segOffset) | _count;
        }
        long result = 0;
        long size = _count;
        int seg = _seg;
        long skip = _segOffset;
        while (size > 0)
        {
            long len = Math.Min((seg == _seg ? CurrentSegmentLength() : SegmentLength(seg)) - skip, size);
            if (len > 0)
            {
                result |= SegmentAddress(seg, skip, len) | len;
                size -= len;
            }
            seg++;
            skip = 0;
        }
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Start(long total)
    {
        Rewind(total);
        ForgetSegment();
    }

    /// <summary>The position at the first byte of <paramref name="total"/>, all of them visible; what is known of the first segment is the caller's to keep or forget.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Rewind(long total)
    {
        _total = total;
        _count = total;
        _consumed = 0;
        _seg = 0;
        _segOffset = 0;
    }

    private void AdvanceCore(long n)
    {
        _count -= n;
        _consumed += n;
        // A segment advanced to its end stays the position (the next step moves on): a
        // one-buffer iterator never leaves its segment, and its length stays known.
        while (n > 0)
        {
            long left = CurrentSegmentLength() - _segOffset;
            if (n <= left)
            {
                _segOffset += n;
                n = 0;
            }
            else
            {
                n -= left;
                NextSegment();
            }
        }
        PublishPipe();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PublishPipe()
    {
        if (Kind == IterKind.Pipe && Direction == IterDirection.Dest)
        {
            _pipe!.Publish(_pipeGeneration, _pipeStart + _consumed);
        }
    }

    /// <summary>Whether bytes are left and every one lies in the segment at the position (a one-buffer iterator's case).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool RestLiesInCurrentSegment() => _count > 0 && _count <= CurrentSegmentLength() - _segOffset;

    /// <summary><see cref="AdvanceCore"/> over all that is left when it lies in the current segment (<see cref="RestLiesInCurrentSegment"/>): no walk. Returns the bytes.</summary>
    private long AdvanceOverRest()
    {
        long bytes = _count;
        _segOffset += bytes;
        _consumed += bytes;
        _count = 0;
        return bytes;
    }

    /// <summary>Steps over exhausted and empty segments so that the position names a byte.</summary>
    private void SkipEmptySegments()
    {
        while (CurrentSegmentLength() - _segOffset == 0)
        {
            NextSegment();
        }
    }

    private void NextSegment()
    {
        _seg++;
        _segOffset = 0;
        ForgetSegment();
    }

    /// <summary>The position moved to another segment: its length and start are looked up when next asked.</summary>
    private void ForgetSegment()
    {
        _segLength = -1;
        _segAddress = -1;
        _segPool = null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private nint CurrentUserAddress() => _segAddress > 0 ? _segAddress : LookUpUserAddress();

    private nint LookUpUserAddress()
    {
        Memory<byte> segment = UserSegment(_seg);
        nint address = UserAddress(segment);
        if (_segAddress == -1)
        {
            _segAddress = Gup.MovableOwnerOf(segment, out _segPool) is null ? address : 0;
        }
        return address;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long CurrentSegmentLength() => _segLength >= 0 ? _segLength : (_segLength = SegmentLength(_seg));

    private long SegmentLength(int seg) => Kind switch
    {
        IterKind.Iovec => UserSegment(seg).Length,
        IterKind.Kvec => KernelSegment(seg).Length,
        IterKind.Bvec => PageSegment(seg).Length,
        _ => seg == 0 ? _total : 0,
    };

    private long SegmentAddress(int seg, long skip, long len) => Kind switch
    {
        IterKind.Iovec => (seg == _seg ? CurrentUserAddress() : UserAddress(UserSegment(seg))) + (nint)skip,
        IterKind.Kvec => KernelSegment(seg).Address + (nint)skip,
        IterKind.Bvec => PageSegment(seg).Address + (nint)skip,
        IterKind.Pipe => PipeAlignment(skip, len),
        _ => 0,
    };

    // The segment lists are arrays nearly always (the reusable iterators', the CLI's): indexing
    // the array itself spares the per-call interface dispatch through the array's IList view.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Memory<byte> UserSegment(int seg) => _user is Memory<byte>[] array ? array[seg] : _user![seg];

    private KernelVec KernelSegment(int seg) => _kvecs is KernelVec[] array ? array[seg] : _kvecs![seg];

    private BioVec PageSegment(int seg) => _bvecs is BioVec[] array ? array[seg] : _bvecs![seg];

    private long PipeAlignment(long skip, long len)
    {
        // Pipe pages are separate pages: every page but the first starts page-aligned, so
        // only the first byte's offset and the length can break alignment.
        _ = len;
        (Page page, int offset) = _pipe!.Locate(_pipeStart + skip);
        return page.Address + offset;
    }

    /// <summary>
    /// Where the memory is now. No GC pin is taken for the look: the answer would be as
    /// stale after unpinning as without a pin; memory under I/O is pinned when it is mapped.
    /// </summary>
    private static nint UserAddress(Memory<byte> memory) => NativeMemoryAccess.AddressOf(memory.Span);
}
