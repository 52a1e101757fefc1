using PinIo.Block;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// A device that transfers nothing and ends no bio by itself: the test ends each one, in any
/// order and with any status, to reach completion orders a real device produces only by chance.
/// </summary>
internal sealed class BlockManualDevice(long capacity, QueueLimits? limits = null) : IBlockDevice
{
    private readonly Lock _lock = new();
    private readonly List<Bio> _bios = [];

    public QueueLimits Limits { get; } = limits ?? QueueLimits.Default;

    public long Capacity { get; } = capacity;

    public int Submitted
    {
        get
        {
            lock (_lock)
            {
                return _bios.Count;
            }
        }
    }

    public void Submit(Bio bio)
    {
        lock (_lock)
        {
            _bios.Add(bio);
        }
    }

    /// <summary>Ends every submitted bio, the last submitted first; <paramref name="statusOf"/> gets the bio's index in submission order.</summary>
    public void CompleteLastFirst(Func<int, BlkStatus> statusOf)
    {
        Bio[] bios;
        lock (_lock)
        {
            bios = [.. _bios];
            _bios.Clear();
        }
        for (int i = bios.Length - 1; i >= 0; i--)
        {
            bios[i].Complete(statusOf(i));
        }
    }

    public void Dispose()
    {
    }
}
