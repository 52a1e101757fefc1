namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// The result each slot's I/O will bring, kept by slot between <see cref="IJobEngine.Start"/>
/// and <see cref="IJobEngine.Finish"/>: an I/O that ended in the call is taken at once, one in
/// flight calls its slot's <see cref="IoSlot.OnCompleted"/> when it ends.
/// </summary>
internal sealed class PendingIos<T>(int slots)
{
    private readonly ValueTask<T>[] _pending = new ValueTask<T>[slots];

    public IoStart Track(IoSlot slot, ValueTask<T> pending)
    {
        _pending[slot.Index] = pending;
        if (pending.IsCompleted)
        {
            return IoStart.Completed;
        }
        pending.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(slot.OnCompleted!);
        return IoStart.InFlight;
    }

    /// <summary>The slot's result (throws what its I/O failed with); the slot holds nothing after.</summary>
    public T Take(IoSlot slot)
    {
        ValueTask<T> pending = _pending[slot.Index];
        _pending[slot.Index] = default;
        return pending.Result;
    }
}
