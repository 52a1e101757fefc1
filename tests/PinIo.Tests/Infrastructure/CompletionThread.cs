namespace PinIo.Tests.Infrastructure;

/// <summary>
/// Awaits a task that a device's completion thread may complete, resuming the test on the
/// thread pool. An await whose task is not yet done resumes on the thread that completes it —
/// with DirectIoFlags.InlineCompletion or a RamDisk worker, the device's completion thread —
/// and ConfigureAwaitOptions.ForceYielding does not change that (it only yields for a task
/// already done). A test that then waits for I/O synchronously, or disposes the disk, would wait
/// for the thread it runs on.
/// </summary>
public static class CompletionThread
{
    public static async Task<T> Leave<T>(Task<T> task)
    {
        T result = await task;
        await Task.Yield();
        return result;
    }

    public static async Task Leave(Task task)
    {
        await task;
        await Task.Yield();
    }
}
