using PinIo.Devices;

namespace PinIo.Tests.Infrastructure;

/// <summary>Waiting for a request on a device whose completions end only inside its owner's polls.</summary>
internal static class PolledCompletions
{
    /// <summary>The request's result; a polled device is polled on this thread (its owner's) until the request ends.</summary>
    public static long Wait(FileDevice device, ValueTask<long> pending)
    {
        while (device.IsPolled && !pending.IsCompleted)
        {
            device.Poll(1);
        }
        return pending.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>As <see cref="Wait(FileDevice, ValueTask{long})"/>, for a request with no result.</summary>
    public static void Wait(FileDevice device, ValueTask pending)
    {
        while (device.IsPolled && !pending.IsCompleted)
        {
            device.Poll(1);
        }
        pending.AsTask().GetAwaiter().GetResult();
    }
}
