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
    private const int ThreadSlots = 16;

    [ThreadStatic]
    private static T?[]? t_items;

    [ThreadStatic]
    private static int t_count;

    private readonly T?[] _slots = new T?[slots];

    public T? TryTake()
    {
        if (perThread && t_count > 0)
        {
            T?[] items = t_items!;
            int top = --t_count;
            T? item = items[top];
            items[top] = null;
            return item;
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
        if (perThread)
        {
            T?[] items = t_items ??= new T?[ThreadSlots];
            if (t_count < items.Length)
            {
                items[t_count++] = item;
                return;
            }
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
}
