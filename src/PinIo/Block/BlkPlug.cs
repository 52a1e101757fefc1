// Follows block/blk-core.c (blk_start_plug / blk_finish_plug: a task's submissions held back and issued as a batch).
namespace PinIo.Block;

/// <summary>A device queue that can hold back the wake-up of its submitting thread while the submitter is plugged.</summary>
internal interface IPluggedQueue
{
    /// <summary>Wakes the queue's owner for the bios handed over under the plug (the plug's flush).</summary>
    void Unplug();
}

/// <summary>
/// The calling thread's plug: while it is on, a device queue that hands bios to another thread
/// (an io_uring engine's ring thread) may leave that thread asleep and note itself here
/// instead, and the plug wakes it once when it ends or fills. A thread-pool work item running
/// many continuations, each of which queues one read, so wakes the ring thread once, as the
/// kernel's plug turns a task's bios into one dispatch.
/// <para>
/// A queue defers only when a completion is already due to wake its thread (requests are in
/// flight there), so a bio held back by a plug that never ends (its thread blocked) still goes
/// out at the next completion: the plug delays, it never strands.
/// </para>
/// </summary>
internal static class BlkPlug
{
    /// <summary>Deferrals after which the plug wakes its queues at once (the kernel: BLK_MAX_REQUEST_COUNT).</summary>
    internal const int MaxDeferred = 32;

    [ThreadStatic]
    private static PlugState? t_plug;

    /// <summary>Turns the calling thread's plug on; <see cref="Finish"/> turns it off. Not nested.</summary>
    public static void Start() => (t_plug ??= new PlugState()).Active = true;

    /// <summary>Turns the calling thread's plug off and wakes every queue it held back.</summary>
    public static void Finish()
    {
        PlugState? plug = t_plug;
        if (plug is not null)
        {
            plug.Active = false;
            plug.Flush();
        }
    }

    /// <summary>
    /// Whether <paramref name="queue"/>'s wake-up is held back by the calling thread's plug; false
    /// when no plug is on (the caller wakes its thread itself).
    /// </summary>
    public static bool TryDefer(IPluggedQueue queue)
    {
        PlugState? plug = t_plug;
        if (plug is null || !plug.Active)
        {
            return false;
        }
        plug.Add(queue);
        return true;
    }

    /// <summary>Whether the calling thread's plug is on, for tests.</summary>
    internal static bool IsActive => t_plug is { Active: true };

    private sealed class PlugState
    {
        // Nearly always one queue: a plug holds as many as its continuations submitted to.
        private IPluggedQueue?[] _queues = new IPluggedQueue?[2];
        private int _queueCount;
        private int _deferred;

        public bool Active;

        public void Add(IPluggedQueue queue)
        {
            if (!Contains(queue))
            {
                if (_queueCount == _queues.Length)
                {
                    Array.Resize(ref _queues, _queues.Length * 2);
                }
                _queues[_queueCount++] = queue;
            }
            if (++_deferred >= MaxDeferred)
            {
                Flush();
            }
        }

        public void Flush()
        {
            // Unplug only wakes a thread, it never submits: nothing is added to the list meanwhile.
            int count = _queueCount;
            _queueCount = 0;
            _deferred = 0;
            for (int i = 0; i < count; i++)
            {
                IPluggedQueue queue = _queues[i]!;
                _queues[i] = null;
                queue.Unplug();
            }
        }

        private bool Contains(IPluggedQueue queue)
        {
            for (int i = 0; i < _queueCount; i++)
            {
                if (ReferenceEquals(_queues[i], queue))
                {
                    return true;
                }
            }
            return false;
        }
    }
}
