// Follows arch/x86/kernel/tsc.c in purpose: the time stamp counter the kernel's "tsc" clocksource reads (fio's clocksource=cpu, gettime.c, reads it too).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

/// <summary>
/// The CPU's time stamp counter, read by one rdtsc on a private executable page (a call without
/// a GC transition): about half of what a vDSO clock_gettime costs, which a job loop pays
/// twice per I/O. Offered only where the kernel itself keeps time by the TSC (its clocksource
/// is "tsc": the counter is invariant and in step across CPUs, or the kernel would have
/// switched away); elsewhere <see cref="Available"/> is false and callers keep their clock.
/// A count, not a time: a caller scales it against its clock (see the CLI's IoClock).
/// </summary>
internal static unsafe class TscCounter
{
    // rdtsc ; shl rdx, 32 ; or rax, rdx ; ret
    private static ReadOnlySpan<byte> ReadX64 => [0x0F, 0x31, 0x48, 0xC1, 0xE2, 0x20, 0x48, 0x09, 0xD0, 0xC3];

    private static readonly delegate* unmanaged[SuppressGCTransition]<ulong> s_read = Create();

    public static bool Available => s_read != null;

    /// <summary>The counter now. Only when <see cref="Available"/>.</summary>
    public static ulong Read() => s_read();

    private static delegate* unmanaged[SuppressGCTransition]<ulong> Create()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || !KernelKeepsTimeByTsc())
        {
            return null;
        }
        const nuint Length = 4096;
        if (Interop.Mmap(Length, Interop.PROT_READ | Interop.PROT_WRITE, Interop.MAP_PRIVATE | Interop.MAP_ANONYMOUS, -1, 0, out void* page) < 0)
        {
            return null;
        }
        ReadX64.CopyTo(new Span<byte>(page, (int)Length));
        if (Interop.ProtectExecutable(page, Length) != 0)
        {
            _ = Interop.Munmap(page, Length);
            return null;
        }
        return (delegate* unmanaged[SuppressGCTransition]<ulong>)page;
    }

    private static bool KernelKeepsTimeByTsc()
    {
        try
        {
            return File.ReadAllText("/sys/devices/system/clocksource/clocksource0/current_clocksource").Trim() == "tsc";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
