namespace PinIo.Cli.Runner;

/// <summary>
/// A first-in, first-out queue of at most <c>capacity</c> slots, for the job thread alone: a
/// store into an array of the sealed <see cref="IoSlot"/> needs no covariance check, which
/// every store of the shared generic Queue&lt;T&gt; pays.
/// </summary>
internal sealed class IoSlotQueue(int capacity)
{
    private readonly IoSlot?[] _items = new IoSlot?[Math.Max(1, capacity)];
    private int _head;
    private int _count;

    public int Count => _count;

    /// <exception cref="InvalidOperationException">The queue already holds <c>capacity</c> slots: a slot was queued twice.</exception>
    public void Enqueue(IoSlot slot)
    {
        if (_count == _items.Length)
        {
            throw new InvalidOperationException($"more than {_items.Length} completions queued: a slot was queued twice");
        }
        int tail = _head + _count;
        _items[tail < _items.Length ? tail : tail - _items.Length] = slot;
        _count++;
    }

    public bool TryDequeue([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IoSlot? slot)
    {
        if (_count == 0)
        {
            slot = null;
            return false;
        }
        slot = _items[_head]!;
        _items[_head] = null;
        _head = _head + 1 < _items.Length ? _head + 1 : 0;
        _count--;
        return true;
    }
}
