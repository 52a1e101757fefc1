// Follows io_uring/io_uring.c (io_ring_exit_work: a ring ends what it holds before it goes).
namespace PinIo.Devices;

internal sealed unsafe partial class IoUringEngine
{
    // Set by the ring thread when its loop has ended every request and freed the ring.
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// As <see cref="Dispose"/>, awaiting the ring thread instead of joining it: the thread ends
    /// what is in flight, frees the ring and signals. From the ring thread itself too (a
    /// continuation run inline): the loop sees the stop once that continuation returns. A polled
    /// ring has no thread: its owner drains it here, as Dispose does.
    /// </summary>
    public ValueTask StopAsync()
    {
        if (_polled)
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
        _stopping = true;
        WakeOwner(force: true);
        return EngineStop.After(_exited.Task, _eventFd);
    }
}
