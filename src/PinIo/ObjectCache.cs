namespace PinIo;

/// <summary>
/// A lock-free cache of reusable objects, so that steady-state I/O allocates none (the idea
/// of the kernel's per-CPU bio cache). Take and return are one compare-exchange on a slot;
/// an empty cache makes nothing (the caller allocates), a full one drops the object.
/// </summary>
internal sealed class ObjectCache<T>(int slots) where T : class
{
    private readonly T?[] _slots = new T?[slots];

    public T? TryTake()
    {
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
