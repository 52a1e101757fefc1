using System.Buffers;

namespace PinIo.Mm;

/// <summary>
/// Keeps one managed buffer GC-pinned while pages of it are referenced for I/O: the .NET
/// counterpart of a page that migration must not move while it is pinned. Counted by the
/// pages that hold it; the last page to leave the page table drops the GC handle.
/// </summary>
internal sealed class GcAnchor
{
    private static readonly ObjectCache<GcAnchor> s_cache = new(Environment.ProcessorCount * 32, perThread: true);

    private MemoryHandle _handle;
    private int _holders;

    private GcAnchor()
    {
    }

    /// <summary>The managed object that is pinned: an array or a memory manager.</summary>
    public object? Target { get; private set; }

    /// <summary>Takes ownership of <paramref name="handle"/>; the caller holds the first reference. Recycled, so I/O allocates none.</summary>
    public static GcAnchor Rent(object target, MemoryHandle handle)
    {
        GcAnchor anchor = s_cache.TryTake() ?? new GcAnchor();
        anchor.Target = target;
        anchor._handle = handle;
        anchor._holders = 1;
        PinStats.OnGcPinned();
        return anchor;
    }

    public void AddHolder() => Interlocked.Increment(ref _holders);

    /// <summary>The last holder drops the GC pin; nobody holds the anchor after that, so it goes back to the cache.</summary>
    public void RemoveHolder()
    {
        int left = Interlocked.Decrement(ref _holders);
        if (left == 0)
        {
            _handle.Dispose();
            _handle = default;
            Target = null;
            PinStats.OnGcUnpinned();
            s_cache.Return(this);
        }
    }
}

/// <summary>
/// The distinct managed buffers anchored by one page. Mutated only under the page table's
/// shard lock; a page rarely holds more than one or two.
/// </summary>
internal struct GcAnchorSet
{
    private GcAnchor[]? _anchors;
    private int _count;

    public readonly bool IsEmpty => _count == 0;

    /// <summary>Adds <paramref name="anchor"/> unless the page already anchors the same object.</summary>
    public void Attach(GcAnchor anchor)
    {
        for (int i = 0; i < _count; i++)
        {
            if (ReferenceEquals(_anchors![i].Target, anchor.Target))
            {
                return;
            }
        }
        if (_anchors is null || _count == _anchors.Length)
        {
            Array.Resize(ref _anchors, Math.Max(2, _count * 2));
        }
        anchor.AddHolder();
        _anchors[_count++] = anchor;
    }

    public void ReleaseAll()
    {
        for (int i = 0; i < _count; i++)
        {
            _anchors![i].RemoveHolder();
            _anchors[i] = null!;
        }
        _count = 0;
    }
}
