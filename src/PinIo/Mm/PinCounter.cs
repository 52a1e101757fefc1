// Follows mm/gup.c's pin accounting (NR_FOLL_PIN_ACQUIRED / NR_FOLL_PIN_RELEASED), narrowed to one owner's I/O.
using System.Runtime.CompilerServices;
namespace PinIo.Mm;

/// <summary>
/// The pins of one owner's I/O — a benchmark job, a connection, a tenant — counted apart from
/// the process's <see cref="PinStats"/>. Set it on the iterators that describe the owner's
/// memory (<see cref="Iov.IovIter.PinCounter"/>): every page a bio pins from such an iterator
/// is counted here when the bio pins it, and again when the bio releases it, on whichever
/// thread the I/O ends (a ring's, a device worker's), because the bio remembers the counter
/// it pinned for. <see cref="Acquired"/> equals <see cref="Released"/> whenever none of the
/// owner's I/O is in flight. Counting is a plain add per batch of pages on the owner's
/// home thread (the first that counts: a job's own thread), one interlocked add on any other:
/// no lock, no allocation.
/// </summary>
public sealed class PinCounter
{
    // Another thread's counts: interlocked.
    private long _acquired;
    private long _released;

    // The home thread's counts: written by that thread alone, so without an interlocked add
    // (about 15 ns each, twice per request).
    private long _homeAcquired;
    private long _homeReleased;
    private int _homeThread;

    /// <summary>Pages pinned for the owner's I/O so far.</summary>
    public long Acquired => Volatile.Read(ref _homeAcquired) + Volatile.Read(ref _acquired);

    /// <summary>Pages of the owner's I/O unpinned so far.</summary>
    public long Released => Volatile.Read(ref _homeReleased) + Volatile.Read(ref _released);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void OnPinned(int pages)
    {
        if (OnHomeThread())
        {
            Volatile.Write(ref _homeAcquired, _homeAcquired + pages);
        }
        else
        {
            Interlocked.Add(ref _acquired, pages);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void OnUnpinned(int pages)
    {
        if (OnHomeThread())
        {
            Volatile.Write(ref _homeReleased, _homeReleased + pages);
        }
        else
        {
            Interlocked.Add(ref _released, pages);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool OnHomeThread()
    {
        int me = CurrentThread.Id;
        int home = Volatile.Read(ref _homeThread);
        return home == me || (home == 0 && Interlocked.CompareExchange(ref _homeThread, me, 0) == 0);
    }
}
