using PinIo.Block;
using PinIo.Devices;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// The machine of the power-cut tests, in front of a <see cref="FaultDevice"/> in power-cut
/// mode: at bio <c>cutAt</c> the power goes (the device's volatile cache is cut) and every
/// later bio fails, as a dead machine's would.
/// </summary>
internal sealed class CutAtBio(FaultDevice fault, int cutAt) : IBlockDevice
{
    private int _bios;
    private volatile bool _dead;

    public bool Dead => _dead;

    public QueueLimits Limits => fault.Limits;

    public long Capacity => fault.Capacity;

    public void Submit(Bio bio)
    {
        if (!_dead && Interlocked.Increment(ref _bios) == cutAt)
        {
            fault.Cut();
            _dead = true;
        }
        if (_dead)
        {
            bio.Complete(BlkStatus.IoError);
            return;
        }
        fault.Submit(bio);
    }

    public void Dispose()
    {
    }
}
