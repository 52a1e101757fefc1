// Follows io_uring/io_uring.c (io_req_task_work_add: a completion posted at once, the task's work run later in a batch).
using System.Threading.Tasks.Sources;
using PinIo.Block;

namespace PinIo.Fs;

/// <summary>
/// Where a request's caller resumes. With inline continuations, where the request ends.
/// Otherwise the request still completes where it ends — its status is final at once, so a
/// caller that polls (a polled device's owner after Poll) sees it done — but the continuation
/// the caller registered is taken aside and run on the thread pool through
/// <see cref="PoolCompletions"/>, many in one work item, instead of a work item each
/// (ManualResetValueTaskSourceCore's RunContinuationsAsynchronously: a pool wake-up per I/O, and
/// for any continuation but an async method's an allocation).
/// </summary>
internal sealed partial class DioRequest
{
    private static readonly Action<object?> s_continueOnPool = ContinueOnPool;

    // The request whose completion this thread is signaling: its continuation, run inline by
    // the core, is the one to hand to the pool.
    [ThreadStatic]
    private static DioRequest? t_signaling;

    private Action<object?>? _continuation;
    private object? _continuationState;
    private ExecutionContext? _continuationContext;

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        if (!_continueOnPool)
        {
            _core.OnCompleted(continuation, state, token, flags);
            return;
        }
        _continuation = continuation;
        _continuationState = state;
        // The context is captured here and restored by the pool's work item: the core would
        // restore it around ContinueOnPool, on the completing thread, where it does not run.
        _continuationContext = (flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0 ? ExecutionContext.Capture() : null;
        _core.OnCompleted(s_continueOnPool, this, token, flags & ~ValueTaskSourceOnCompletedFlags.FlowExecutionContext);
    }

    /// <summary>Completes the request's ValueTask: its status first, then its continuation (inline, or onto the pool).</summary>
    private void Signal(long result, Exception? error)
    {
        // Saved and restored: an inline continuation may end another request on this thread.
        DioRequest? outer = t_signaling;
        t_signaling = this;
        try
        {
            if (error is null)
            {
                _core.SetResult(result);
            }
            else
            {
                _core.SetException(error);
            }
        }
        finally
        {
            t_signaling = outer;
        }
    }

    private static void ContinueOnPool(object? state)
    {
        var dio = (DioRequest)state!;
        if (t_signaling == dio)
        {
            PoolCompletions.Queue(dio);
            return;
        }
        // Not on the completing thread: the core already dispatched it (to the caller's
        // SynchronizationContext or TaskScheduler, or to the pool for a continuation registered
        // after completion).
        dio.RunContinuation();
    }

    void IThreadPoolWorkItem.Execute() => RunContinuation();

    private void RunContinuation()
    {
        // Taken off the request first: the continuation consumes the result, which puts the
        // request back in its cache for another caller.
        Action<object?>? continuation = _continuation;
        if (continuation is null)
        {
            return; // the ValueTask was consumed twice (GetResult beside an awaiter): nothing of this request's is left to run
        }
        object? state = _continuationState;
        ExecutionContext? context = _continuationContext;
        _continuation = null;
        _continuationState = null;
        _continuationContext = null;
        if (context is null)
        {
            continuation(state);
            return;
        }
        ExecutionContext.Run(context, static pair =>
        {
            var (run, runState) = ((Action<object?>, object?))pair!;
            run(runState);
        }, (continuation, state));
    }
}
