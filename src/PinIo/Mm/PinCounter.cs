// Follows mm/gup.c's pin accounting (NR_FOLL_PIN_ACQUIRED / NR_FOLL_PIN_RELEASED), narrowed to one owner's I/O.
namespace PinIo.Mm;

/// <summary>
/// The pins of one owner's I/O — a benchmark job, a connection, a tenant — counted apart from
/// the process's <see cref="PinStats"/>. Set it on the iterators that describe the owner's
/// memory (<see cref="Iov.IovIter.PinCounter"/>): every page a bio pins from such an iterator
/// is counted here when the bio pins it, and again when the bio releases it, on whichever
/// thread the I/O ends (a ring's, a device worker's), because the bio remembers the counter
/// it pinned for. <see cref="Acquired"/> equals <see cref="Released"/> whenever none of the
/// owner's I/O is in flight. Counting is one interlocked add per batch of pages: no lock, no
/// allocation.
/// </summary>
public sealed class PinCounter
{
    private long _acquired;
    private long _released;

    /// <summary>Pages pinned for the owner's I/O so far.</summary>
    public long Acquired => Volatile.Read(ref _acquired);

    /// <summary>Pages of the owner's I/O unpinned so far.</summary>
    public long Released => Volatile.Read(ref _released);

    internal void OnPinned(int pages) => Interlocked.Add(ref _acquired, pages);

    internal void OnUnpinned(int pages) => Interlocked.Add(ref _released, pages);
}
