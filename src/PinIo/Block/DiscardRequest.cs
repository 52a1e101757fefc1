// Follows block/blk-lib.c (blkdev_issue_discard: the bios of one range chained, the first error kept, the caller woken by the last).
using System.Threading.Tasks.Sources;
using PinIo.Diagnostics;

namespace PinIo.Block;

/// <summary>
/// The accounting of one discard: the submitter holds a reference, each bio in flight one
/// more, whoever drops the last completes it. The first failure by position wins. Pooled and
/// awaited through <see cref="IValueTaskSource"/>, so that a discard allocates nothing in
/// steady state (fio's trim jobs issue one per I/O). Without inline continuations its caller
/// resumes on the thread pool as a Direct I/O request's does (<see cref="PoolContinuation"/>).
/// </summary>
internal sealed class DiscardRequest : IValueTaskSource, IThreadPoolWorkItem
{
    private static readonly ObjectCache<DiscardRequest> s_cache = new(Environment.ProcessorCount * 4, perThread: true);
    private static readonly Action<Bio> s_endIo = OnBioEnd;
    private static readonly Action<object?> s_continueOnPool = static state =>
    {
        var request = (DiscardRequest)state!;
        request._poolContinuation.Continue(request);
    };

    private readonly Lock _failureLock = new();
    private ManualResetValueTaskSourceCore<bool> _core;
    private PoolContinuation _poolContinuation;
    private IBlockDevice? _device;
    private long _offset;
    private long _length;
    private int _references;
    private long _failedAt;
    private Errno _failedErrno;
    private string? _failedReason;
    private long _meterStarted;

    public static DiscardRequest Rent(IBlockDevice device, long offset, long length, bool inlineContinuations)
    {
        DiscardRequest request = s_cache.TryTake() ?? new DiscardRequest();
        request._device = device;
        request._offset = offset;
        request._length = length;
        request._references = 1;
        request._failedAt = long.MaxValue;
        request._failedErrno = Errno.None;
        request._failedReason = null;
        request._core.Reset();
        request._poolContinuation.OnPool = !inlineContinuations;
        request._meterStarted = PinIoMetrics.RequestStarting(IoDirection.Discard);
        return request;
    }

    /// <summary>Hands the bio to the device; a device that throws instead of ending it has failed it (EIO).</summary>
    public void Submit(Bio bio)
    {
        Interlocked.Increment(ref _references);
        bio.Private = this;
        bio.EndIo = s_endIo;
        try
        {
            _device!.Submit(bio);
        }
        catch (Exception) when (!bio.IsCompleted)
        {
            bio.Complete(BlkStatus.IoError);
        }
    }

    /// <summary>Drops the submitter's reference: the discard is done when no bio is left in flight.</summary>
    public ValueTask ReleaseSubmitter()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return new ValueTask(this, _core.Version);
        }
        Exception? failure = Finish();
        Return();
        return failure is null ? ValueTask.CompletedTask : ValueTask.FromException(failure);
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _poolContinuation.OnCompleted(ref _core, s_continueOnPool, this, continuation, state, token, flags);

    void IThreadPoolWorkItem.Execute() => _poolContinuation.Run();

    public void GetResult(short token)
    {
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            Return();
        }
    }

    private static void OnBioEnd(Bio bio)
    {
        var request = (DiscardRequest)bio.Private!;
        if (bio.Status != BlkStatus.Ok)
        {
            request.RecordFailure(bio.Position, bio.Status.ToErrno(bio.Error), bio.FailureReason);
        }
        BioPool.Return(bio);
        if (Interlocked.Decrement(ref request._references) == 0)
        {
            Exception? failure = request.Finish();
            PoolContinuation.Signal(ref request._core, request, true, failure);
        }
    }

    private void RecordFailure(long position, Errno errno, string? reason)
    {
        lock (_failureLock)
        {
            if (position < _failedAt)
            {
                _failedAt = position;
                _failedErrno = errno;
                _failedReason = reason;
            }
        }
    }

    /// <summary>Ends the request, once, when its last reference is dropped: counts it in the metrics and returns its failure, if any.</summary>
    private Exception? Finish()
    {
        PinIoMetrics.RequestEnded(IoDirection.Discard, _meterStarted, _failedErrno == Errno.None ? _length : 0, _failedErrno);
        if (_failedErrno == Errno.None)
        {
            return null;
        }
        string what = $"discard of {_length} bytes at offset {_offset} on {_device} failed at offset {_failedAt}";
        string advice = _failedReason ?? _failedErrno switch
        {
            Errno.EOPNOTSUPP => "the device or its file system cannot discard (punch holes): trim another device, or write zeroes instead",
            Errno.EBADF => "the device is closed or read-only: open it for writing, and trim before disposing it",
            Errno.EINVAL => "the device refused the range: check it against the logical block size and the device's size",
            _ => "the range's contents are unknown: rewrite it before reading it",
        };
        return ThrowHelper.CreateFailure(_failedErrno, $"{what}: {advice}");
    }

    private void Return()
    {
        _device = null;
        s_cache.Return(this);
    }
}
