// Follows fs/direct-io.c (do_direct_IO, dio_send_cur_page, dio_bio_submit, dio_await_completion).
using PinIo.Block;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Fs;

/// <summary>
/// One legacy Direct I/O request being walked: a batch of up to 64 pages taken from the
/// iterator, the current get_block run, the bio being built, and the accounting of the bios
/// in flight (the earliest failure in file order wins). The walk never throws while bios are
/// in flight: it returns what stopped it, and <see cref="WaitAsync"/> waits for every bio.
/// </summary>
internal sealed class LegacyDioWalk
{
    /// <summary>dio_refill_pages() takes up to 64 pages at a time (DIO_PAGES).</summary>
    private const int BatchPages = 64;

    private static readonly Action<Bio> s_endIo = OnBioEnd;

    private readonly IIomapInode _inode;
    private readonly IBlockDevice _device;
    private readonly QueueLimits _limits;
    private readonly BioOp _op;
    private readonly long _offset;
    private readonly IovIter _iter;
    private readonly long _end;
    private readonly int _blockSize;
    private readonly bool _pinned;
    private readonly bool _noWait;
    private readonly int _chunkUnit;
    private readonly Page[] _batch = new Page[BatchPages];
    private readonly List<(long Start, long End)> _freshRuns = [];
    private readonly TaskCompletionSource _allEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _failureLock = new();

    private LegacyBlockRun _run;
    private long _runEnd = long.MinValue;
    private long _pos;
    private Bio? _bio;
    private long _bioFileStart;
    private long _bioDeviceEnd;
    private int _references = 1;
    private long _failedAt = long.MaxValue;
    private BlkStatus _failedStatus;
    private Errno _failedErrno;
    private long _deviceFailedAt = long.MaxValue;

    public LegacyDioWalk(IIomapInode inode, BioOp op, long offset, IovIter iter, DirectIoFlags flags)
    {
        _inode = inode;
        _device = inode.Device;
        _limits = _device.Limits;
        _op = op;
        _offset = offset;
        _iter = iter;
        _end = offset + iter.Count;
        _blockSize = inode.BlockSize;
        _pinned = iter.ExtractWillPin;
        _noWait = (flags & DirectIoFlags.NoWait) != 0;
        _pos = offset;
        // do_direct_IO walks file-system blocks (i_blkbits), dropping to the device's logical
        // block only for a request that is not block-aligned (dio->blkfactor): each piece costs
        // a pin of its page, so a 4 KiB piece instead of eight 512-byte ones.
        _chunkUnit = ((offset | iter.Count) & (_blockSize - 1)) == 0 && _blockSize <= _limits.MaxSegmentSize
            ? _blockSize
            : _limits.LogicalBlockSize;
    }

    /// <summary>Whether any run the write went to was new or unwritten: end_io converts.</summary>
    public bool AnyFresh => _freshRuns.Count > 0;

    /// <summary>Whether file byte <paramref name="pos"/> lies in a new or unwritten run the write went to.</summary>
    public bool IsFreshAt(long pos) => _freshRuns.Exists(r => r.Start <= pos && pos < r.End);

    /// <summary>
    /// do_direct_IO(): takes pages a batch at a time and places each block's bytes — zeroes
    /// for a hole on a read, a bio vec otherwise — then submits the last bio. Returns the
    /// failure that stopped it early (mapping, cancellation, limits, or a bug), or null.
    /// </summary>
    public async ValueTask<Exception?> RunAsync(CancellationToken ct)
    {
        int taken = 0;
        int next = 0;
        try
        {
            while (_iter.Count > 0)
            {
                DirectIo.ThrowIfCanceled(_op, _pos, ct);
                long bytes = _iter.PinPages(_batch, _iter.Count, out int firstOffset);
                taken = PageSize.PagesSpanned(firstOffset, bytes);
                next = 0;
                int offset = firstOffset;
                for (; next < taken; next++)
                {
                    int length = (int)Math.Min(bytes, PageSize.Bytes - offset);
                    await PlacePageAsync(_batch[next], offset, length, ct).ConfigureAwait(false);
                    ReleaseBatchPage(next);
                    bytes -= length;
                    offset = 0;
                }
                taken = 0;
            }
            AddTailZeroes();
            SubmitCurrent();
            return null;
        }
        catch (Exception e)
        {
            // Whatever stopped the walk (a bug too), bios may be in flight and pages taken:
            // release what is ours here; the caller waits for the bios before it throws.
            for (; next < taken; next++)
            {
                ReleaseBatchPage(next);
            }
            DropCurrent();
            StopAt(_pos);
            return e;
        }
    }

    /// <summary>dio_await_completion(): waits for every bio; the bytes before the first failure, from the request's offset.</summary>
    public async ValueTask<long> WaitAsync()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _allEnded.TrySetResult();
        }
        await _allEnded.Task.ConfigureAwait(false);
        return Math.Max(0, Math.Min(_failedAt, _pos) - _offset);
    }

    /// <summary>The device's failure as an exception, or null when no bio failed.</summary>
    public Exception? FailureException() => _failedStatus == BlkStatus.Ok
        ? null
        : ThrowHelper.CreateFailure(_failedStatus.ToErrno(_failedErrno),
            $"{_op} at offset {_offset}: the device failed a bio at file offset {_deviceFailedAt} ({_failedStatus})");

    public void ThrowFailure()
    {
        if (FailureException() is { } e)
        {
            throw e;
        }
    }

    /// <summary>Places one page's bytes of the request, a logical block's worth at most at a time.</summary>
    private async ValueTask PlacePageAsync(Page page, int offset, int length, CancellationToken ct)
    {
        while (length > 0)
        {
            if (_pos >= _runEnd)
            {
                await MapNextRunAsync(ct).ConfigureAwait(false);
            }
            int n = (int)Math.Min(Math.Min(length, _runEnd - _pos), _chunkUnit - (_pos % _chunkUnit));
            if (_run.Hole || (_run.Unwritten && _op == BioOp.Read))
            {
                // A hole on a read: the pages are ours for the I/O, zero them (zero_user).
                page.AsSpan().Slice(offset, n).Clear();
            }
            else
            {
                AddChunk(page, offset, n, DeviceOffsetOf(_pos), _pos);
            }
            _pos += n;
            offset += n;
            length -= n;
        }
    }

    /// <summary>get_more_blocks(): the run from the current block, as far as the request reaches.</summary>
    private async ValueTask MapNextRunAsync(CancellationToken ct)
    {
        long fileBlock = _pos / _blockSize;
        long maxBlocks = ((_end + _blockSize - 1) / _blockSize) - fileBlock;
        _run = await LegacyDirectIo.GetBlocksAsync(_inode, fileBlock, maxBlocks, _op == BioOp.Write, _noWait, ct).ConfigureAwait(false);
        long runStart = _run.FileBlock * _blockSize;
        _runEnd = runStart + (_run.Blocks * _blockSize);
        if (_op == BioOp.Write && _run.Fresh)
        {
            _freshRuns.Add((runStart, _runEnd));
            long head = _pos % _blockSize;
            if (head > 0)
            {
                // dio_zero_block() in front of the first byte of the write.
                AddZeroes(_pos - head, head);
            }
        }
    }

    /// <summary>dio_zero_block() after the write: the rest of its last block, when that block is new or unwritten.</summary>
    private void AddTailZeroes()
    {
        if (_op == BioOp.Write && _run.Fresh && _pos == _end)
        {
            long tail = DioFileRange.AlignUp(_end, _blockSize) - _end;
            AddZeroes(_end, Math.Min(tail, _runEnd - _end));
        }
    }

    /// <summary>Zeroes on the device for file bytes [<paramref name="filePos"/>, +<paramref name="bytes"/>) of the current run, from the zero page.</summary>
    private void AddZeroes(long filePos, long bytes)
    {
        int lbs = _limits.LogicalBlockSize;
        long done = 0;
        while (done < bytes)
        {
            int pageOffset = (int)(done % PageSize.Bytes);
            int n = (int)Math.Min(Math.Min(bytes - done, lbs - ((filePos + done) % lbs)), PageSize.Bytes - pageOffset);
            AddChunk(DioZeroPage.Page, pageOffset, n, DeviceOffsetOf(filePos + done), filePos + done);
            done += n;
        }
    }

    private long DeviceOffsetOf(long filePos) => _run.DeviceOffset + (filePos - (_run.FileBlock * _blockSize));

    /// <summary>
    /// dio_send_cur_page(): the bytes join the current bio when they follow it on the device
    /// and it has room for one more logical block; otherwise that bio is submitted and a new
    /// one started. Every page added gets a pin of its own for a pinned request — the zero
    /// page too (pin_user_page) — so the bio is all pinned or all unreferenced.
    /// </summary>
    private void AddChunk(Page page, int offset, int length, long deviceOffset, long filePos)
    {
        bool blockStart = filePos % _limits.LogicalBlockSize == 0;
        if (_bio is not null && _bioDeviceEnd == deviceOffset && (!blockStart || HasRoomForBlock(_bio)))
        {
            if (TryAdd(_bio, page, offset, length))
            {
                _bioDeviceEnd += length;
                return;
            }
            if (!blockStart)
            {
                ThrowSegmentsTooSmall();
            }
        }
        SubmitCurrent();
        _bio = BioPool.Rent(_op, deviceOffset / QueueLimits.SectorSize, _limits);
        _bioFileStart = filePos;
        _bioDeviceEnd = deviceOffset;
        if (!TryAdd(_bio, page, offset, length))
        {
            ThrowSegmentsTooSmall();
        }
        _bioDeviceEnd += length;
    }

    private bool TryAdd(Bio bio, Page page, int offset, int length)
    {
        if (_pinned)
        {
            Gup.PinUserPage(page);
        }
        if (bio.AddTakenPage(page, offset, length, _pinned))
        {
            return true;
        }
        if (_pinned)
        {
            Gup.UnpinUserPage(page);
        }
        return false;
    }

    /// <summary>Room for one more logical block, however its memory falls across pages.</summary>
    private bool HasRoomForBlock(Bio bio) =>
        bio.Size + _limits.LogicalBlockSize <= _limits.MaxSectorsBytes &&
        bio.VecCount + (_limits.LogicalBlockSize / PageSize.Bytes) + 1 < _limits.MaxSegments;

    private void ThrowSegmentsTooSmall() =>
        ThrowHelper.ThrowDirectIo(Errno.EINVAL,
            $"segments too small: {_limits.MaxSegments} segments cannot hold one logical block of {_limits.LogicalBlockSize} bytes; use larger, block-sized buffers");

    private void SubmitCurrent()
    {
        Bio? bio = _bio;
        if (bio is null)
        {
            return;
        }
        _bio = null;
        Interlocked.Increment(ref _references);
        bio.Private = new LegacyBioContext(this, _bioFileStart);
        bio.EndIo = s_endIo;
        DirectIo.SubmitOrFail(_device, bio);
    }

    /// <summary>A bio never submitted (the walk failed while building it): its pages go back, its bytes are not done.</summary>
    private void DropCurrent()
    {
        Bio? bio = _bio;
        if (bio is null)
        {
            return;
        }
        _bio = null;
        StopAt(_bioFileStart);
        bio.ReleasePages(markDirty: false);
        BioPool.Return(bio);
    }

    private void ReleaseBatchPage(int index)
    {
        if (_pinned)
        {
            Gup.UnpinUserPage(_batch[index]);
        }
        _batch[index] = null!;
    }

    private static void OnBioEnd(Bio bio)
    {
        var context = (LegacyBioContext)bio.Private!;
        LegacyDioWalk walk = context.Walk;
        if (bio.Status != BlkStatus.Ok)
        {
            walk.RecordFailure(context.FileStart, bio.Status, bio.Error);
        }
        bio.ReleasePages(markDirty: bio.Op == BioOp.Read);
        BioPool.Return(bio);
        if (Interlocked.Decrement(ref walk._references) == 0)
        {
            walk._allEnded.TrySetResult();
        }
    }

    /// <summary>The walk stopped at <paramref name="filePos"/> (its own failure, returned by <see cref="RunAsync"/>): nothing from there is done.</summary>
    private void StopAt(long filePos)
    {
        lock (_failureLock)
        {
            _failedAt = Math.Min(_failedAt, filePos);
        }
    }

    /// <summary>A bio failed: keeps the device failure earliest in file order.</summary>
    private void RecordFailure(long filePos, BlkStatus status, Errno errno)
    {
        lock (_failureLock)
        {
            _failedAt = Math.Min(_failedAt, filePos);
            if (filePos < _deviceFailedAt)
            {
                _deviceFailedAt = filePos;
                _failedStatus = status;
                _failedErrno = errno;
            }
        }
    }

    private sealed record LegacyBioContext(LegacyDioWalk Walk, long FileStart);
}
