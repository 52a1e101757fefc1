// Follows fio's t/io_uring.c (its per-second IOPS line and its closing figures), written anew.
namespace PinIo.Devices;

/// <summary>Set by the sampling thread, polled by every loop thread between batches.</summary>
internal sealed class PeakStop
{
    private volatile bool _requested;

    public bool Requested => _requested;

    public void Request() => _requested = true;
}

/// <summary>One loop thread's figures, taken on that thread around its loop.</summary>
/// <param name="Cpu">The CPU it was bound to.</param>
/// <param name="Ios">Reads completed.</param>
/// <param name="User">User CPU time of the thread in the loop (getrusage RUSAGE_THREAD).</param>
/// <param name="System">System CPU time of the thread in the loop.</param>
/// <param name="ContextSwitches">Voluntary and involuntary switches of the thread in the loop.</param>
/// <param name="AllocatedBytes">Managed bytes the thread allocated in the loop: zero is the contract.</param>
internal sealed record PeakThreadResult(int Cpu, long Ios, TimeSpan User, TimeSpan System, long ContextSwitches, long AllocatedBytes);

/// <summary>A whole peak run.</summary>
/// <param name="Threads">Each loop thread's figures.</param>
/// <param name="Elapsed">Wall time from the start to the last thread's end.</param>
/// <param name="User">User CPU time of the whole process over the run (getrusage RUSAGE_SELF): the loop threads, their io-wq workers, and .NET's own threads.</param>
/// <param name="System">System CPU time of the whole process over the run.</param>
/// <param name="KernelPins">nr_foll_pin_acquired's rise over the run, system-wide; null where the kernel does not publish it.</param>
/// <param name="SetupFlags">The IORING_SETUP_* flags the kernel accepted (of thread 0's ring).</param>
/// <param name="HugePages">Whether the kernel accepted MADV_HUGEPAGE for the buffers.</param>
internal sealed record PeakResult(IReadOnlyList<PeakThreadResult> Threads, TimeSpan Elapsed, TimeSpan User, TimeSpan System, long? KernelPins, uint SetupFlags, bool HugePages)
{
    public long Ios => Threads.Sum(t => t.Ios);

    public double Iops => Ios / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>CPU seconds (user and system) of the process over the run.</summary>
    public double CpuSeconds => (User + System).TotalSeconds;

    /// <summary>CPU seconds of the loop threads alone (no io-wq workers).</summary>
    public double LoopCpuSeconds => Threads.Sum(t => (t.User + t.System).TotalSeconds);

    /// <summary>Reads per CPU second of the process: the peak one core reaches.</summary>
    public double IopsPerCore => Ios / Math.Max(CpuSeconds, 1e-9);

    public double UserNsPerIo => PerIo(User.TotalNanoseconds);

    public double SystemNsPerIo => PerIo(System.TotalNanoseconds);

    public double? KernelPinsPerIo => KernelPins is long pins ? PerIo(pins) : null;

    public long AllocatedBytes => Threads.Sum(t => t.AllocatedBytes);

    private double PerIo(double total) => Ios == 0 ? 0 : total / Ios;
}
