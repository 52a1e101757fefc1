using PinIo.Devices;
using PinIo.Mm;

namespace PinIo.Cli.Stats;

/// <summary>
/// Pages pinned and unpinned: by PinIo for one job's own I/O (its <see cref="PinCounter"/>,
/// set on the job's iterators, so a job counts its pins and no other job's, wherever its I/O
/// completes), and by the kernel machine-wide (<c>/proc/vmstat</c> nr_foll_pin_*, when the
/// kernel publishes them). The kernel's counts cannot be told apart by job: they cover every
/// job that ran in the same window (a stonewall segment) and every other process, batched per
/// CPU, so read them with a tolerance; <see cref="KernelIos"/> is the I/O count of that window,
/// which the kernel's per-I/O figure divides by.
/// </summary>
internal readonly record struct PinCounts(long Acquired, long Released, bool KernelAvailable, long KernelAcquired, long KernelReleased)
{
    /// <summary>The I/Os of every job in the kernel counts' window; 0 when they are the job's own window.</summary>
    public long KernelIos { get; init; }

    /// <summary>A Volume target's page cache over the job's measured time (the whole Volume's: jobs sharing it see each other's); null for other targets.</summary>
    public CacheCounts? Cache { get; init; }

    /// <summary>A job's PinIo pins so far; the kernel's are added for its whole segment by <see cref="WithKernel"/>.</summary>
    public static PinCounts Of(PinCounter counter) => new(counter.Acquired, counter.Released, false, 0, 0);

    /// <summary>The kernel's counters now (<see cref="KernelPins.Available"/> false where the kernel does not publish them).</summary>
    public static KernelPins ReadKernel() =>
        KernelPinCounters.TryRead(out long acquired, out long released) ? new KernelPins(true, acquired, released) : default;

    /// <summary>These counts with the kernel's over a window in which every job together did <paramref name="windowIos"/> I/Os.</summary>
    public PinCounts WithKernel(KernelPins window, long windowIos) => this with
    {
        KernelAvailable = window.Available,
        KernelAcquired = window.Acquired,
        KernelReleased = window.Released,
        KernelIos = windowIos,
    };

    public static PinCounts operator -(PinCounts end, PinCounts start) => new(
        end.Acquired - start.Acquired,
        end.Released - start.Released,
        end.KernelAvailable && start.KernelAvailable,
        end.KernelAcquired - start.KernelAcquired,
        end.KernelReleased - start.KernelReleased);
}

/// <summary>
/// A Volume's page cache over a window (<see cref="Fs.PageCacheStats"/>' counters): pages found
/// and brought in, and the pages writeback found pinned and wrote as stable copies.
/// </summary>
internal readonly record struct CacheCounts(long Hits, long Misses, long ReadaheadPages, long WritebackPages, long StableCopies)
{
    public static CacheCounts Between(Fs.PageCacheStats start, Fs.PageCacheStats end) => new(
        end.Hits - start.Hits,
        end.Misses - start.Misses,
        end.ReadaheadPages - start.ReadaheadPages,
        end.WritebackPages - start.WritebackPages,
        end.StableCopies - start.StableCopies);

    public static CacheCounts operator +(CacheCounts a, CacheCounts b) => new(
        a.Hits + b.Hits, a.Misses + b.Misses, a.ReadaheadPages + b.ReadaheadPages, a.WritebackPages + b.WritebackPages, a.StableCopies + b.StableCopies);

    /// <summary>Hits as a percentage of the pages looked up.</summary>
    public double HitPercent => Hits + Misses == 0 ? 0 : Hits * 100.0 / (Hits + Misses);
}

/// <summary>The kernel's machine-wide pin counters at one moment, or the difference of two.</summary>
internal readonly record struct KernelPins(bool Available, long Acquired, long Released)
{
    public static KernelPins operator -(KernelPins end, KernelPins start) =>
        new(end.Available && start.Available, end.Acquired - start.Acquired, end.Released - start.Released);
}
