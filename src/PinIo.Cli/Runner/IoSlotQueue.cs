using System.Runtime.CompilerServices;

namespace PinIo.Cli.Runner;

/// <summary>
/// A first-in, first-out queue of at most <c>capacity</c> slots, for the job thread alone: its
/// entries are a struct's field, whose store needs no covariance check, which every store of
/// the shared generic Queue&lt;T&gt; (and, in Native AOT, of an IoSlot array) pays.
/// </summary>
internal sealed class IoSlotQueue(int capacity)
{
    private readonly Entry[] _items = new Entry[Math.Max(1, capacity)];
    private int _head;
    private int _count;

    public int Count => _count;

    /// <exception cref="InvalidOperationException">The queue already holds <c>capacity</c> slots: a slot was queued twice.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Enqueue(IoSlot slot)
    {
        if (_count == _items.Length)
        {
            throw new InvalidOperationException($"more than {_items.Length} completions queued: a slot was queued twice");
        }
        int tail = _head + _count;
        _items[tail < _items.Length ? tail : tail - _items.Length].Slot = slot;
        _count++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryDequeue([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IoSlot? slot)
    {
        if (_count == 0)
        {
            slot = null;
            return false;
        }
        slot = _items[_head].Slot!;
        _items[_head].Slot = null;
        _head = _head + 1 < _items.Length ? _head + 1 : 0;
        _count--;
        return true;
    }

    private struct Entry
    {
        public IoSlot? Slot;
    }
}
