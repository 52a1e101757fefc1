using System.Globalization;
using System.Text;
using PinIo.Devices;
using static System.FormattableString;

namespace PinIo.Cli.Peak;

/// <summary>pinio peak's lines: one per second, as t/io_uring prints them, and the closing figures as text or JSON.</summary>
internal static class PeakReport
{
    public static string Second(int second, long ios) => Invariant($"second {second}: IOPS={Scaled(ios)}");

    public static string Text(string target, PeakOptions o, PeakResult r)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"pinio peak: {target}, {r.Threads.Count} thread(s) on CPU {string.Join(",", r.Threads.Select(t => t.Cpu))}, bs={o.BlockSize}, iodepth={o.Depth}, batch submit/complete={o.SubmitBatch}/{o.CompleteBatch}"));
        text.AppendLine(Invariant($"  fixedbufs={Bit(o.FixedBuffers)} registerfiles={Bit(o.RegisteredFile)} no_sqarray={Bit(o.NoSqArray)} hipri={Bit(o.Polled)} sqthread_poll={Bit(o.SubmissionPolling)} huge pages={(r.HugePages ? "yes" : "no")} ring setup flags=0x{r.SetupFlags:x}"));
        text.AppendLine(Invariant($"  IOPS={Scaled((long)r.Iops)} IOPS per core={Scaled((long)r.IopsPerCore)} ({r.Ios} reads in {r.Elapsed.TotalSeconds:F2} s, {r.CpuSeconds:F2} CPU s, of which the loop threads {r.LoopCpuSeconds:F2})"));
        string pins = r.KernelPinsPerIo is double p ? p.ToString("F3", CultureInfo.InvariantCulture) : "unknown";
        text.Append(Invariant($"  CPU per read (process): usr={r.UserNsPerIo:F0} ns sys={r.SystemNsPerIo:F0} ns; kernel pins per read={pins}; allocated in the loop={r.AllocatedBytes} B; context switches={r.Threads.Sum(t => t.ContextSwitches)}"));
        return text.ToString();
    }

    public static string Json(string target, PeakOptions o, PeakResult r)
    {
        string pins = r.KernelPinsPerIo is double p ? p.ToString("R", CultureInfo.InvariantCulture) : "null";
        string threads = string.Join(",", r.Threads.Select(t => Invariant(
            $"{{\"cpu\":{t.Cpu},\"ios\":{t.Ios},\"usr_s\":{t.User.TotalSeconds:R},\"sys_s\":{t.System.TotalSeconds:R},\"ctx\":{t.ContextSwitches},\"allocated_bytes\":{t.AllocatedBytes}}}")));
        return Invariant($"{{\"target\":\"{JsonEscape(target)}\",\"bs\":{o.BlockSize},\"iodepth\":{o.Depth},\"batch_submit\":{o.SubmitBatch},\"batch_complete\":{o.CompleteBatch},")
            + Invariant($"\"fixedbufs\":{Bit(o.FixedBuffers)},\"registerfiles\":{Bit(o.RegisteredFile)},\"no_sqarray\":{Bit(o.NoSqArray)},\"hipri\":{Bit(o.Polled)},\"sqthread_poll\":{Bit(o.SubmissionPolling)},\"huge_pages\":{Bit(r.HugePages)},\"setup_flags\":{r.SetupFlags},")
            + Invariant($"\"ios\":{r.Ios},\"elapsed_s\":{r.Elapsed.TotalSeconds:R},\"cpu_s\":{r.CpuSeconds:R},\"loop_cpu_s\":{r.LoopCpuSeconds:R},\"iops\":{r.Iops:R},\"iops_per_core\":{r.IopsPerCore:R},")
            + Invariant($"\"usr_ns_per_io\":{r.UserNsPerIo:R},\"sys_ns_per_io\":{r.SystemNsPerIo:R},\"kernel_pins_per_io\":{pins},\"allocated_bytes\":{r.AllocatedBytes},\"threads\":[{threads}]}}");
    }

    private static int Bit(bool value) => value ? 1 : 0;

    /// <summary>t/io_uring's scale: 1.23M, 456.78K or a plain count.</summary>
    private static string Scaled(long value) => value switch
    {
        >= 1_000_000 => Invariant($"{value / 1e6:F2}M"),
        >= 1_000 => Invariant($"{value / 1e3:F2}K"),
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    private static string JsonEscape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
}
