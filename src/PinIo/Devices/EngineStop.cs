// Follows io_uring/io_uring.c (io_ring_exit_work): what is left to free once an engine's thread has ended.
namespace PinIo.Devices;

/// <summary>The await of an engine's stop, outside the engines' unsafe classes (an unsafe context cannot await).</summary>
internal static class EngineStop
{
    /// <summary>Completes when <paramref name="exited"/> has, then disposes <paramref name="then"/>.</summary>
    public static async ValueTask After(Task exited, IDisposable? then)
    {
        await exited.ConfigureAwait(false);
        then?.Dispose();
    }
}
