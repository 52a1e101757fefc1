using PinIo.Devices;
using PinIo.Mm;

namespace PinIo.Cli.Stats;

/// <summary>
/// Pages pinned and unpinned, by PinIo in this process (<see cref="PinStats"/>) and by the
/// kernel machine-wide (<c>/proc/vmstat</c> nr_foll_pin_*, when the kernel publishes them).
/// The difference of two snapshots is what a run pinned; the kernel's counts include every
/// other process's pins and are batched per CPU, so read them with a tolerance.
/// </summary>
internal readonly record struct PinCounts(long Acquired, long Released, bool KernelAvailable, long KernelAcquired, long KernelReleased)
{
    public static PinCounts Now()
    {
        bool kernel = KernelPinCounters.TryRead(out long kAcquired, out long kReleased);
        return new PinCounts(PinStats.Acquired, PinStats.Released, kernel, kAcquired, kReleased);
    }

    public static PinCounts operator -(PinCounts end, PinCounts start) => new(
        end.Acquired - start.Acquired,
        end.Released - start.Released,
        end.KernelAvailable && start.KernelAvailable,
        end.KernelAcquired - start.KernelAcquired,
        end.KernelReleased - start.KernelReleased);
}
