// Follows fio's options.c (set_cpus_allowed, str_cpumask_cb) in meaning, not in code.
using System.Globalization;
using PinIo.Linux;

namespace PinIo.Cli.Options;

/// <summary>A job's CPU set (cpus_allowed= or cpumask=): CPU numbers, ascending, no repeats, never empty.</summary>
internal sealed record CpuSet(int[] Cpus)
{
    public override string ToString() => string.Join(',', Cpus);
}

internal static partial class ValueParsers
{
    /// <summary>
    /// cpus_allowed=: comma-separated CPUs and ranges (<c>0-3,6</c>), each below the CPUs a
    /// mask can name. Parsing asks the system nothing: planning refuses, as fio does, a CPU at or
    /// past the number the system is configured with (<see cref="CheckConfigured"/>).
    /// </summary>
    public static CpuSet ParseCpuList(string text) => ParseCpuList(text, CpuAffinity.MaxCpus);

    public static CpuSet ParseCpuList(string text, int configured)
    {
        var cpus = new SortedSet<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int dash = part.IndexOf('-', StringComparison.Ordinal);
            int first = ParseCpu(dash < 0 ? part : part[..dash], text);
            int last = dash < 0 ? first : ParseCpu(part[(dash + 1)..], text);
            if (last < first)
            {
                throw new FormatException($"'{part}' is a range that ends before it starts");
            }
            for (int cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(CheckCpu(cpu, configured));
            }
        }
        return cpus.Count > 0 ? new CpuSet([.. cpus]) : throw new FormatException("no CPU in the list");
    }

    /// <summary>cpumask=: a bit mask of CPUs, decimal or 0x hex (fio reads it as an int: CPUs 0 to 63 here).</summary>
    public static CpuSet ParseCpuMask(string text) => ParseCpuMask(text, CpuAffinity.MaxCpus);

    public static CpuSet ParseCpuMask(string text, int configured)
    {
        ulong mask = (ulong)ParseInt(text);
        var cpus = new List<int>();
        for (int cpu = 0; cpu < 64; cpu++)
        {
            if ((mask & (1UL << cpu)) != 0)
            {
                cpus.Add(CheckCpu(cpu, configured));
            }
        }
        return cpus.Count > 0 ? new CpuSet([.. cpus]) : throw new FormatException("no CPU in the mask");
    }

    /// <summary>Throws <see cref="FormatException"/> ("CPU 8 too large (max=7)") for a CPU of <paramref name="set"/> at or past <paramref name="configured"/>.</summary>
    public static void CheckConfigured(CpuSet set, int configured) => CheckCpu(set.Cpus[^1], configured);

    private static int ParseCpu(string text, string whole) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int cpu)
            ? cpu
            : throw new FormatException($"'{text}' in '{whole}' is not a CPU number");

    private static int CheckCpu(int cpu, int configured) =>
        cpu < configured && cpu < CpuAffinity.MaxCpus
            ? cpu
            : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"CPU {cpu} too large (max={configured - 1})"));
}
