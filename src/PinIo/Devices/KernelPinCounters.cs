// Follows mm/vmstat.c (nr_foll_pin_acquired, nr_foll_pin_released in /proc/vmstat).
namespace PinIo.Devices;

/// <summary>
/// The kernel's own pin counters: how many pages the kernel pinned for this machine's I/O
/// (an ordinary O_DIRECT request pins about one page per 4 KiB of user memory; registered
/// fixed buffers were pinned once, at registration). System-wide and batched per CPU by the
/// kernel: compare differences with a small tolerance.
/// </summary>
public static class KernelPinCounters
{
    /// <summary>False when the kernel does not publish the counters (reported as unavailable, not zero).</summary>
    public static bool TryRead(out long acquired, out long released) =>
        Linux.ProcVmstat.TryRead(out acquired, out released);
}
