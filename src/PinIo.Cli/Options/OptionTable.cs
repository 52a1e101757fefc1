using System.Collections.Frozen;

namespace PinIo.Cli.Options;

/// <summary>
/// The job options pinio knows, by fio's names, with fio's meanings and defaults (fio's
/// <c>options.c</c> table in spirit). Anything not listed here is refused by name, never
/// ignored. Program-level switches (<c>--output-format</c>, <c>--help</c>...) are not job
/// options and live in <see cref="Program"/>.
/// </summary>
internal static class OptionTable
{
    public static IReadOnlyList<OptionDef> All { get; } =
    [
        new() { Name = "name", Kind = OptionKind.Text, Help = "Name of this job; on a command line it starts a new job" },
        new() { Name = "description", Kind = OptionKind.Text, Help = "Text to print with the job's results" },
        new() { Name = "filename", Kind = OptionKind.Text, Help = "Target: ram:SIZE for PinIo's embedded RAM disk (files and block devices come with the real-I/O engines)" },
        new()
        {
            Name = "rw", Aliases = ["readwrite"], Kind = OptionKind.Choice, Default = "read", Help = "I/O pattern",
            Choices =
            [
                new("read", RwMode.Read, "Sequential read"),
                new("write", RwMode.Write, "Sequential write"),
                new("randread", RwMode.RandRead, "Random read"),
                new("randwrite", RwMode.RandWrite, "Random write"),
                new("rw", RwMode.ReadWrite, "Sequential read and write mix"),
                new("readwrite", RwMode.ReadWrite, "Sequential read and write mix"),
                new("randrw", RwMode.RandRw, "Random read and write mix"),
            ],
        },
        new() { Name = "rwmixread", Kind = OptionKind.Int, Default = "50", Min = 0, Max = 100, Help = "Percentage of a mixed workload that is reads" },
        new() { Name = "rwmixwrite", Kind = OptionKind.Int, Default = "50", Min = 0, Max = 100, Help = "Percentage of a mixed workload that is writes" },
        new() { Name = "bs", Aliases = ["blocksize"], Kind = OptionKind.Size, Default = "4k", Min = 1, Max = int.MaxValue, Help = "Block size of each I/O" },
        new() { Name = "iodepth", Kind = OptionKind.Int, Default = "1", Min = 1, Max = 65536, Help = "Number of I/Os to keep in flight" },
        new() { Name = "numjobs", Kind = OptionKind.Int, Default = "1", Min = 1, Max = 4096, Help = "Number of clones (threads) of this job" },
        new() { Name = "size", Kind = OptionKind.Size, Min = 1, Help = "Bytes of the target this job covers (default: the whole target)" },
        new() { Name = "offset", Kind = OptionKind.Size, Default = "0", Min = 0, Help = "Start of the job's region in the target" },
        new() { Name = "loops", Kind = OptionKind.Int, Default = "1", Min = 1, Help = "Number of times to run the job over its region" },
        new() { Name = "runtime", Aliases = ["timeout"], Kind = OptionKind.Time, Default = "0", Min = 0, Help = "Stop after this long (seconds, or with a unit: 200ms, 2m); 0 = no limit" },
        new() { Name = "time_based", Kind = OptionKind.Flag, Default = "0", Help = "Keep running for runtime, looping over the region" },
        new()
        {
            Name = "ioengine", Kind = OptionKind.Choice, Default = "psync", Help = "How I/O is submitted",
            Choices =
            [
                new("psync", IoEngineKind.Psync, "Synchronous I/O: each I/O completes in its call (depth 1)"),
                new("sync", IoEngineKind.Sync, "Synchronous I/O (as psync)"),
                new("pvsync2", IoEngineKind.Pvsync2, "Synchronous vectored I/O (as psync)"),
                new("io_uring", IoEngineKind.IoUring, "Asynchronous I/O: iodepth requests in flight, completed by the device"),
                new("libaio", IoEngineKind.Libaio, "Asynchronous I/O (as io_uring)"),
                new("dotnet", IoEngineKind.Dotnet, ".NET RandomAccess on a file (needs a file target)"),
            ],
        },
        new() { Name = "direct", Kind = OptionKind.Bool, Default = "0", Help = "O_DIRECT; ram: targets always take PinIo's Direct I/O path" },
        new() { Name = "fixedbufs", Kind = OptionKind.Flag, Default = "0", Help = "Use PagePool pages (never pinned per I/O) instead of managed memory pinned per I/O" },
        new() { Name = "thread", Kind = OptionKind.Flag, Default = "0", Help = "Run jobs as threads (pinio always does)" },
        new()
        {
            Name = "verify", Kind = OptionKind.Choice, Default = "0", Help = "Checksum written blocks and check them when read back",
            Choices =
            [
                new("0", VerifyKind.None, "Don't verify"),
                new("none", VerifyKind.None, "Don't verify"),
                new("crc32c", VerifyKind.Crc32C, "CRC-32C of each block's payload, in a header with offset and sequence"),
                new("crc32c-intel", VerifyKind.Crc32C, "Same as crc32c (hardware CRC-32C is used when the CPU has it)"),
            ],
        },
        new() { Name = "do_verify", Kind = OptionKind.Bool, Default = "1", Help = "Read back and check what a write phase wrote" },
        new() { Name = "randseed", Kind = OptionKind.Int, Default = "0x89", Min = 0, Help = "Seed of the random generators" },
        new() { Name = "randrepeat", Kind = OptionKind.Bool, Default = "1", Help = "Random sequences repeat from run to run (seeded by randseed)" },
        new() { Name = "norandommap", Kind = OptionKind.Flag, Default = "0", Help = "Don't track visited blocks: random offsets may repeat within a pass" },
        new() { Name = "percentile_list", Kind = OptionKind.PercentList, Default = "1:5:10:20:30:40:50:60:70:80:90:95:99:99.5:99.9:99.95:99.99", Help = "Completion-latency percentiles to report" },
        new() { Name = "group_reporting", Kind = OptionKind.Flag, Default = "0", Help = "Report each group of jobs as one block (io summed, latency histograms merged)" },
        new() { Name = "clat_percentiles", Kind = OptionKind.Bool, Default = "1", Help = "Report completion-latency percentiles" },
        new() { Name = "lat_percentiles", Kind = OptionKind.Bool, Default = "0", Help = "Report total-latency (submission + completion) percentiles" },
    ];

    private static readonly FrozenDictionary<string, OptionDef> s_byName = BuildIndex();

    public static bool TryFind(string name, out OptionDef option) => s_byName.TryGetValue(name, out option!);

    public static OptionDef Get(string name) => s_byName[name];

    /// <summary>The known option closest to a mistyped one, as fio's "Did you mean loops?".</summary>
    public static string? Suggest(string name)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string known in s_byName.Keys)
        {
            int distance = EditDistance(name.ToLowerInvariant(), known);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (known, distance);
            }
        }
        return bestDistance <= Math.Max(2, name.Length / 3) ? best : null;
    }

    private static FrozenDictionary<string, OptionDef> BuildIndex()
    {
        var index = new Dictionary<string, OptionDef>(StringComparer.OrdinalIgnoreCase);
        foreach (OptionDef option in All)
        {
            index.Add(option.Name, option);
            foreach (string alias in option.Aliases)
            {
                index.Add(alias, option);
            }
        }
        return index.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    private static int EditDistance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            row[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
