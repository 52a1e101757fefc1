// Follows fs/iomap/direct-io.c (struct iomap_dio: a reference per bio, first error wins, last one completes).
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using PinIo.Block;
using PinIo.Diagnostics;
using PinIo.Iov;

namespace PinIo.Fs;

/// <summary>
/// The accounting of one Direct I/O request: the submitter holds one reference, each bio in
/// flight one more; whoever drops the last completes the request. The result is the bytes
/// before the earliest failed bio in file order (so the first failure by position wins, and
/// the bytes reported are exactly those done before it), or an error when there are none.
/// Pooled, and awaited through <see cref="IValueTaskSource{TResult}"/> so a request
/// allocates nothing: as a long (DirectIo's calls), or as an int for a request that cannot
/// exceed one (DirectFile's one-buffer calls, awaited on it directly).
/// <para>
/// Without inline continuations the request completes where it ends (its status is final at
/// once: a polling caller sees it done) and its caller's continuation runs on the thread pool,
/// queued on <see cref="PoolCompletions"/> (<see cref="PoolContinuation"/>, DioRequest.Continuation.cs).
/// </para>
/// </summary>
internal sealed partial class DioRequest : IValueTaskSource<long>, IValueTaskSource<int>, IThreadPoolWorkItem, IBioCancelTarget
{
    private static readonly ObjectCache<DioRequest> s_cache = new(Environment.ProcessorCount * 16, perThread: true);
    private static readonly Action<Bio> s_endIo = OnBioEnd;
    private static readonly Action<object?> s_onCanceled = OnCanceled;

    private ManualResetValueTaskSourceCore<long> _core;
    private int _references;
    private long _failedAt;
    private int _failedStatus;
    private Errno _failedErrno;
    private string? _failedReason;
    private Exception? _submitFailure;
    private long _submitFailedAt;
    private readonly Lock _failureLock = new();

    private long _offset;
    private long _submitted;
    private long _hiddenByTruncate;
    private long _reportLimit;
    private BioOp _op;
    private IovIter? _iter;
    private bool _inFlight;
    private IDioCompletionHook? _completionHook;

    // The completion that keeps this request (a kiocb's), or null for one of the shared cache.
    // A kept request is rented again and again with the same iterator and hook: those stay
    // between its uses, stored only when they change (Fields.StoreIfChanged).
    private readonly DioCompletion? _completion;
    private long _meterStarted;

    // Cancellation in flight: only for a token that can be canceled, on a device that can cancel.
    private int _generation;
    private IBioCanceler? _canceler;
    private CancellationToken _token;
    private CancellationTokenRegistration _cancelRegistration;

    // The request's own first bio, as block/fops.c's blkdev_dio carries its bio: a request of
    // one bio neither takes one from the bio pool nor gives one back. Made with the request, so
    // that the two (and the bio's vecs) sit together in memory.
    private readonly Bio _ownBio = new(BioOp.Read, 0, QueueLimits.Default);
    private bool _ownBioTaken;

    private DioRequest(DioCompletion? completion) => _completion = completion;

    /// <summary>A request kept by <paramref name="completion"/> for all its requests (<see cref="DioCompletion.Request"/>).</summary>
    internal static DioRequest KeptBy(DioCompletion completion) => new(completion);

    public static Action<Bio> EndIo => s_endIo;

    public BioOp Op => _op;

    public long Offset => _offset;

    public static DioRequest Rent(BioOp op, long offset, IovIter iter, long hiddenByTruncate, long reportLimit, bool inlineContinuations, IDioCompletionHook? completionHook = null, DioCompletion? completion = null)
    {
        // A kiocb's request is its own (made once); any other comes from the shared cache.
        DioRequest dio = completion is not null ? completion.Request : s_cache.TryTake() ?? new DioRequest(null);
        if (dio._inFlight)
        {
            ThrowHelper.ThrowMisuse("a DioCompletion carries one request at a time: its request is still in flight");
        }
        dio._inFlight = true;
        dio._generation++;
        dio._op = op;
        dio._offset = offset;
        Fields.StoreIfChanged(ref dio._iter, iter);
        dio._hiddenByTruncate = hiddenByTruncate;
        dio._reportLimit = reportLimit;
        dio._submitted = 0;
        dio._references = 1;
        dio._failedAt = long.MaxValue;
        dio._failedStatus = (int)BlkStatus.Ok;
        dio._failedReason = null;
        dio._submitFailure = null;
        Fields.StoreIfChanged(ref dio._completionHook, completionHook);
        dio._ownBioTaken = false;
        dio._core.Reset();
        dio._poolContinuation.OnPool = !inlineContinuations;
        dio._meterStarted = PinIoMetrics.RequestStarting((IoDirection)op);
        return dio;
    }

    public short Version => _core.Version;

    /// <summary>
    /// A bio for this request: its own the first time, a pooled one after. Give it back with
    /// <see cref="ReturnBio"/> if it is never added; an added one comes back when it ends.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Bio RentBio(BioOp op, long sector, QueueLimits limits)
    {
        if (_ownBioTaken)
        {
            return BioPool.Rent(op, sector, limits);
        }
        _ownBioTaken = true;
        _ownBio.Reset(op, sector, limits);
        return _ownBio;
    }

    /// <summary>A bio of this request whose pages are released: the request's own stays with it, another goes back to the pool.</summary>
    public void ReturnBio(Bio bio)
    {
        if (bio != _ownBio)
        {
            BioPool.Return(bio);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddBio(Bio bio)
    {
        Interlocked.Increment(ref _references);
        bio.SetEndIo(s_endIo, this); // the request's own bio has them from its last use
        _submitted += bio.Size;
    }

    public long Submitted => _submitted;

    /// <inheritdoc/>
    public int CancelGeneration => Volatile.Read(ref _generation);

    /// <summary>
    /// After the bios are submitted, while the submitter still holds its reference: a token that
    /// fires from now until the request ends asks <paramref name="device"/> to cancel the bios still
    /// in flight (a token already canceled does so at once). Nothing is registered — no cost — for a
    /// token that cannot be canceled or a device that cannot cancel. The registration is disposed
    /// when the request ends, before the request can be reused.
    /// </summary>
    public void CancelInFlightOn(IBlockDevice device, CancellationToken ct)
    {
        if (!ct.CanBeCanceled || _submitted == 0 || device is not IBioCanceler { CanCancelInFlight: true } canceler)
        {
            return;
        }
        _canceler = canceler;
        _token = ct;
        _cancelRegistration = ct.UnsafeRegister(s_onCanceled, this);
    }

    private static void OnCanceled(object? state)
    {
        var dio = (DioRequest)state!;
        // The request cannot have ended (its Finish disposes this registration, which waits for a
        // callback running elsewhere), so its generation is this request's.
        dio._canceler?.CancelInFlight(dio, dio._generation);
    }

    /// <summary>Submission stopped at <paramref name="relativeOffset"/> because of <paramref name="failure"/>.</summary>
    public void FailSubmission(long relativeOffset, Exception failure)
    {
        if (_submitFailure is null)
        {
            _submitFailure = failure;
            _submitFailedAt = relativeOffset;
        }
        Errno errno = ThrowHelper.ErrnoOf(failure);
        RecordFailure(relativeOffset, BlkStatusExtensions.FromErrno(errno), errno, reason: null);
    }

    /// <summary>Drops the submitter's reference. True when that was the last: the request is done.</summary>
    public bool ReleaseSubmitter() => Interlocked.Decrement(ref _references) == 0;

    /// <summary>For a request the submitter finished itself: its result, or the exception to throw; then back to the cache.</summary>
    public long ConsumeResult()
    {
        long result = TakeResult(out Exception? error);
        return error is null ? result : throw error;
    }

    /// <summary>For a request that has ended: its result and failure, the hook run, the request back in the cache.</summary>
    public long TakeResult(out Exception? error)
    {
        long result = Finish(out error);
        RunCompletionHook();
        Return(this);
        return result;
    }

    public long GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Return(this);
        }
    }

    int IValueTaskSource<int>.GetResult(short token) => (int)GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    private static void OnBioEnd(Bio bio)
    {
        var dio = (DioRequest)bio.Private!;
        if (bio.Status != BlkStatus.Ok)
        {
            dio.RecordFailure(bio.Position - dio._offset, bio.Status, bio.Error, bio.FailureReason);
        }
        bio.ReleasePages(markDirty: bio.Op == BioOp.Read);
        dio.ReturnBio(bio);
        if (Interlocked.Decrement(ref dio._references) == 0)
        {
            dio.CompleteFromDevice();
        }
    }

    private void CompleteFromDevice()
    {
        if (_completion is { } completion)
        {
            long taken = TakeResult(out Exception? failure);
            completion.Complete(taken, failure);
            return;
        }
        long result = Finish(out Exception? error);
        RunCompletionHook();
        Signal(result, error);
    }

    private void RunCompletionHook() => _completionHook?.OnDioComplete();

    /// <summary>
    /// Called once every bio has ended. Steps the iterator back so that it has advanced by
    /// exactly the bytes reported, and gives back what a truncation at the device's end hid.
    /// </summary>
    private long Finish(out Exception? error)
    {
        // No lock: every RecordFailure happened before its bio's (or the submitter's)
        // interlocked release of a reference, and this runs after the last one.
        long failedAt = _failedAt;
        var failedStatus = (BlkStatus)_failedStatus;
        Errno failedErrno = _failedErrno;
        long result = Math.Min(Math.Min(failedAt, _submitted), _reportLimit);
        CancellationToken token = _token;
        if (_canceler is not null)
        {
            // Waits for a cancel callback running on another thread: after this, none can see this request.
            _cancelRegistration.Dispose();
            _cancelRegistration = default;
            _canceler = null;
            _token = default;
        }
        IovIter iter = _iter!;
        _inFlight = false;
        if (result != _submitted)
        {
            iter.Revert(_submitted - result);
        }
        if (_hiddenByTruncate > 0)
        {
            iter.Reexpand(iter.Count + _hiddenByTruncate);
        }
        error = null;
        if (result == 0 && failedAt != long.MaxValue)
        {
            error = _submitFailure is not null && _submitFailedAt == failedAt ? _submitFailure : FailureException(failedStatus, failedErrno, token);
        }
        PinIoMetrics.RequestEnded((IoDirection)_op, _meterStarted, result,
            failedAt == long.MaxValue ? Errno.None : failedStatus.ToErrno(failedErrno));
        return result;
    }

    private Exception FailureException(BlkStatus status, Errno errno, CancellationToken token) => ThrowHelper.CreateFailure(status.ToErrno(errno), (status, errno) switch
    {
        _ when _failedReason is not null => $"{_op} at offset {_offset}: {_failedReason}",
        (_, Errno.EBADF) => $"{_op} at offset {_offset}: the device is closed (disposed), or was opened without the access this needs (a write on a read-only open): open it again, with ReadOnly = false to write",
        (_, Errno.EPERM) => $"{_op} at offset {_offset} was not permitted: the device is read-only (open it with ReadOnly = true, or make it writable: blockdev --setrw)",
        (_, Errno.EFBIG) => $"{_op} at offset {_offset}: past the largest file size the file system allows",
        (BlkStatus.NoSpace, _) => $"{_op} at offset {_offset}: no space left on the device",
        (BlkStatus.NotSupported, _) => $"{_op} at offset {_offset}: the device does not support this operation",
        (BlkStatus.Canceled, _) or (_, Errno.ECANCELED) => $"{_op} at offset {_offset} was canceled before any byte was transferred",
        (BlkStatus.Invalid, _) => $"{_op} at offset {_offset}: the device refused the request's alignment or range",
        (BlkStatus.Again, _) => $"{_op} at offset {_offset}: the device would block; retry",
        _ => $"{_op} at offset {_offset}: the device reported an I/O error",
    }, token);

    /// <summary>Keeps the failure earliest in file order. Failures are rare: a lock keeps position and status together.</summary>
    private void RecordFailure(long relativeOffset, BlkStatus status, Errno errno, string? reason)
    {
        lock (_failureLock)
        {
            if (relativeOffset < _failedAt)
            {
                _failedAt = relativeOffset;
                _failedStatus = (int)status;
                _failedErrno = errno;
                _failedReason = reason;
            }
        }
    }

    private static void Return(DioRequest dio)
    {
        dio._submitFailure = null;
        if (dio._completion is not null)
        {
            return; // its completion keeps it, iterator and hook too, for the next request
        }
        // A cached request holds no caller's iterator (and its memory) or hook while it waits.
        dio._iter = null;
        dio._completionHook = null;
        s_cache.Return(dio);
    }
}
