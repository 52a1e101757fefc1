// Follows io_uring/io_uring.c (io_req_task_work_add: a completion posted at once, the task's work run later in a batch).
using System.Threading.Tasks.Sources;
using PinIo.Block;

namespace PinIo.Fs;

/// <summary>
/// Where a request's caller resumes: with inline continuations where the request ends, otherwise
/// on the thread pool in batches (<see cref="PoolContinuation"/>).
/// </summary>
internal sealed partial class DioRequest
{
    private static readonly Action<object?> s_continueOnPool = static request =>
    {
        var dio = (DioRequest)request!;
        dio._poolContinuation.Continue(dio);
    };

    private PoolContinuation _poolContinuation;

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _poolContinuation.OnCompleted(ref _core, s_continueOnPool, this, continuation, state, token, flags);

    private void Signal(long result, Exception? error) => PoolContinuation.Signal(ref _core, this, result, error);

    void IThreadPoolWorkItem.Execute() => _poolContinuation.Run();
}
