// Follows io_uring/io_uring.c (io_req_task_work_add: a completion posted at once, the task's work run later in a batch).
using System.Threading.Tasks.Sources;

namespace PinIo.Block;

/// <summary>
/// The caller's continuation of a request awaited without inline completions (a Direct I/O
/// request, a discard). The request still completes where it ends — its status is final at
/// once, so a caller that polls (a polled device's owner after Poll) sees it done — but the
/// continuation is taken aside and run on the thread pool through <see cref="PoolCompletions"/>,
/// many in one work item, instead of a work item each (ManualResetValueTaskSourceCore's
/// RunContinuationsAsynchronously: a pool wake-up per I/O, and for any continuation but an async
/// method's an allocation). Kept in the request (a field), so nothing is allocated.
/// <para>
/// The ExecutionContext is captured here when the awaiter asks for it to flow and restored by the
/// work item (the core would restore it on the completing thread, where the continuation does not
/// run); a captured SynchronizationContext or TaskScheduler is left to the core, which posts to it.
/// </para>
/// </summary>
internal struct PoolContinuation
{
    // The request whose completion this thread is signaling: its continuation, run inline by the
    // core, is the one to hand to the pool.
    [ThreadStatic]
    private static object? t_signaling;

    private Action<object?>? _continuation;
    private object? _state;
    private ExecutionContext? _context;

    /// <summary>Whether the caller resumes on the pool (no inline continuations): set as the request is rented.</summary>
    public bool OnPool;

    /// <summary>
    /// The request's IValueTaskSource.OnCompleted: inline, the core takes the continuation as it is;
    /// on the pool, the continuation is taken aside and <paramref name="continueOnPool"/> registered
    /// with the core in its place, with <paramref name="request"/> as its state — a static delegate
    /// of the request's type that calls <see cref="Continue"/> on this field.
    /// </summary>
    public void OnCompleted<T>(ref ManualResetValueTaskSourceCore<T> core, Action<object?> continueOnPool, object request,
        Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        if (!OnPool)
        {
            core.OnCompleted(continuation, state, token, flags);
            return;
        }
        _continuation = continuation;
        _state = state;
        _context = (flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0 ? ExecutionContext.Capture() : null;
        core.OnCompleted(continueOnPool, request, token, flags & ~ValueTaskSourceOnCompletedFlags.FlowExecutionContext);
    }

    /// <summary>Completes the core: its status first, then its continuation (inline, or onto the pool through <see cref="Continue"/>).</summary>
    public static void Signal<T>(ref ManualResetValueTaskSourceCore<T> core, object request, T result, Exception? error)
    {
        // Saved and restored: an inline continuation may end another request on this thread.
        object? outer = t_signaling;
        t_signaling = request;
        try
        {
            if (error is null)
            {
                core.SetResult(result);
            }
            else
            {
                core.SetException(error);
            }
        }
        finally
        {
            t_signaling = outer;
        }
    }

    /// <summary>
    /// The core's call of the registered continuation: on the completing thread, the request goes
    /// onto the pool's queue (and runs <see cref="Run"/> from there); anywhere else the core has
    /// already dispatched it (to the caller's context, or to the pool for a continuation registered
    /// after completion), and it runs now.
    /// </summary>
    public void Continue(IThreadPoolWorkItem request)
    {
        if (ReferenceEquals(t_signaling, request))
        {
            PoolCompletions.Queue(request);
            return;
        }
        Run();
    }

    /// <summary>Runs the continuation taken aside, under the caller's ExecutionContext if it flowed one.</summary>
    public void Run()
    {
        // Taken off the request first: the continuation consumes the result, which puts the
        // request back in its cache for another caller.
        Action<object?>? continuation = _continuation;
        if (continuation is null)
        {
            return; // the ValueTask was consumed twice (GetResult beside an awaiter): nothing of this request's is left to run
        }
        object? state = _state;
        ExecutionContext? context = _context;
        _continuation = null;
        _state = null;
        _context = null;
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
