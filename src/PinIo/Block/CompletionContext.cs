// block/blk-mq.c (blk_mq_complete_request: a bio ends in softirq or hard-irq context, which may not sleep)
namespace PinIo.Block;

/// <summary>
/// Marks the threads on which devices end bios: a ring's or libaio's completion thread, a sync
/// engine's worker, a RamDisk's completion thread. Bios end there, and with
/// <see cref="Fs.DirectIoFlags.InlineCompletion"/> so do the caller's continuations. As the kernel's
/// completion context may not sleep, such a thread may not wait for I/O: the I/O it waited for
/// could only end on that same thread. Synchronous APIs ask <see cref="IsCurrent"/> first and
/// refuse, where they would otherwise hang for ever.
/// </summary>
internal static class CompletionContext
{
    [ThreadStatic]
    private static bool t_endsBios;

    /// <summary>Whether the calling thread is one on which a device ends bios.</summary>
    public static bool IsCurrent => t_endsBios;

    /// <summary>Called once by a completion thread as it starts: it stays one until it exits.</summary>
    public static void MarkCurrentThread() => t_endsBios = true;

    /// <summary>Throws instead of a wait that, on a completion thread, would wait for itself.</summary>
    public static void ThrowIfCurrent(string call)
    {
        if (t_endsBios)
        {
            ThrowHelper.ThrowMisuse($"{call} waits for I/O, and this thread is a device's completion thread (a continuation run inline, e.g. with " +
                "DirectIoFlags.InlineCompletion): the I/O could only end on this thread. Await the asynchronous call instead, or leave the " +
                "completion thread first (await with ConfigureAwaitOptions.ForceYielding).");
        }
    }
}
