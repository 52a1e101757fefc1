using System.Runtime.CompilerServices;

namespace PinIo;

/// <summary>
/// A lock-free cache of reusable objects, so that steady-state I/O allocates none (the idea
/// of the kernel's per-CPU bio cache). Take and return are one compare-exchange on a slot;
/// an empty cache makes nothing (the caller allocates), a full one drops the object.
/// A process-wide cache of interchangeable objects may also keep a few per thread
/// (<c>perThread</c>), taken and returned with no atomic at all — a polled ring's thread takes
/// and returns every bio and request itself. Those are shared by every such cache of
/// <typeparamref name="T"/>, so only objects bound to no owner may use it.
/// </summary>
internal sealed class ObjectCache<T>(int slots, bool perThread = false) where T : class
{
    private readonly T?[] _slots = new T?[slots];

    // The per-thread stacks live in one non-generic thread static, indexed by T: a thread
    // static of this generic class (shared code for every reference T) went through the
    // runtime's generic lookup and __tls_get_addr on every take and return.
    private readonly int _typeId = perThread ? TypeId.Value : -1;

    public T? TryTake()
    {
        if (_typeId >= 0 && ThreadCaches.Find(_typeId) is { Count: > 0 } stack)
        {
            return Unsafe.As<T>(stack.Pop());
        }
        T?[] slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            T? item = Volatile.Read(ref slots[i]);
            if (item is not null && Interlocked.CompareExchange(ref slots[i], null, item) == item)
            {
                return item;
            }
        }
        return null;
    }

    public void Return(T item)
    {
        if (_typeId >= 0 && ThreadCaches.Get(_typeId).TryPush(item))
        {
            return;
        }
        T?[] slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) is null && Interlocked.CompareExchange(ref slots[i], item, null) is null)
            {
                return;
            }
        }
    }

    private static class TypeId
    {
        public static readonly int Value = ThreadCaches.NextTypeId();
    }
}

/// <summary>The calling thread's stacks of <see cref="ObjectCache{T}"/>, one per cached type.</summary>
internal static class ThreadCaches
{
    [ThreadStatic]
    private static ThreadStack?[]? t_stacks;

    private static int s_types;

    public static int NextTypeId() => Interlocked.Increment(ref s_types) - 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ThreadStack? Find(int typeId)
    {
        ThreadStack?[]? stacks = t_stacks;
        return stacks is not null && (uint)typeId < (uint)stacks.Length ? stacks[typeId] : null;
    }

    public static ThreadStack Get(int typeId) => Find(typeId) ?? Create(typeId);

    private static ThreadStack Create(int typeId)
    {
        ThreadStack?[] stacks = t_stacks ?? [];
        if (typeId >= stacks.Length)
        {
            Array.Resize(ref stacks, Math.Max(typeId + 1, Volatile.Read(ref s_types)));
            t_stacks = stacks;
        }
        return stacks[typeId] = new ThreadStack();
    }
}

/// <summary>A few objects of one type kept by one thread.</summary>
internal sealed class ThreadStack
{
    // As deep as a ring's queue usually is (32 bios, requests and anchors in flight at once):
    // a thread whose completions return more than it keeps falls back to the shared slots'
    // compare-exchange.
    internal const int Slots = 64;

    // Items wrapped in a struct: a store into an object[] goes through the runtime's
    // covariance check (StelemRef) on every push.
    private readonly Entry[] _items = new Entry[Slots];

    public int Count { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public object? Pop()
    {
        int top = --Count;
        object? item = _items[top].Item;
        _items[top].Item = null;
        return item;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPush(object item)
    {
        if (Count == _items.Length)
        {
            return false;
        }
        _items[Count++].Item = item;
        return true;
    }

    private struct Entry
    {
        public object? Item;
    }
}
