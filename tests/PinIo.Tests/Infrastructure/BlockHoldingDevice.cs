using PinIo.Block;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// A device that holds every bio until the test releases it (then an inner device does it) or
/// cancels it (ended with ECANCELED, as a driver that removes a queued request): "in flight" is
/// then a state the test controls, not a race it hopes to win.
/// </summary>
internal sealed class BlockHoldingDevice(IBlockDevice inner) : IBlockDevice, IBioCanceler
{
    private readonly Lock _lock = new();
    private readonly List<Bio> _held = [];

    public QueueLimits Limits => inner.Limits;

    public long Capacity => inner.Capacity;

    public int Held
    {
        get
        {
            lock (_lock)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Calls of <see cref="CancelInFlight"/>, whatever they found.</summary>
    public int CancelRequests { get; private set; }

    /// <summary>Bios ended by a cancellation.</summary>
    public int Canceled { get; private set; }

    public bool CanCancelInFlight => true;

    public void Submit(Bio bio)
    {
        lock (_lock)
        {
            _held.Add(bio);
        }
    }

    /// <summary>Hands the first <paramref name="count"/> bios held (all by default) to the inner device.</summary>
    public void Release(int count = int.MaxValue)
    {
        Bio[] bios;
        lock (_lock)
        {
            count = Math.Min(count, _held.Count);
            bios = [.. _held.GetRange(0, count)];
            _held.RemoveRange(0, count);
        }
        foreach (Bio bio in bios)
        {
            inner.Submit(bio);
        }
    }

    /// <summary>As a driver: the bios of that request still held end with ECANCELED; those released run on.</summary>
    public void CancelInFlight(IBioCancelTarget owner, int generation)
    {
        List<Bio> mine = [];
        lock (_lock)
        {
            CancelRequests++;
            if (owner.CancelGeneration != generation)
            {
                return;
            }
            _held.RemoveAll(bio =>
            {
                bool match = ReferenceEquals(bio.Private, owner);
                if (match)
                {
                    mine.Add(bio);
                }
                return match;
            });
            Canceled += mine.Count;
        }
        foreach (Bio bio in mine)
        {
            bio.Complete(BlkStatus.Canceled, Errno.ECANCELED);
        }
    }

    public void Dispose()
    {
    }
}
