// Issue 12, task "ring": what each ring feature costs or saves, measured where load disturbs it least.
//   ring-enter [--rounds=7 --enters=200000]: thread CPU ns per io_uring_enter (one NOP submitted
//     and reaped per call) with and without IORING_REGISTER_RING_FDS and IORING_SETUP_NO_SQARRAY,
//     the sides alternating round by round; medians.
//   pool-register [--mib=64 --rounds=5]: registering a buffer pool of 4 KiB pages, of
//     THP-advised memory and (when vm.nr_hugepages has room) of hugetlb pages: time of
//     IORING_REGISTER_BUFFERS and the kernel pins it takes and keeps (nr_foll_pin_* deltas).
using System.Diagnostics;
using PinIo.Linux;
using PinIo.Mm;

namespace PinIo.Bench;

internal static unsafe class RingFeatures
{
    public static int RunEnter(string[] args)
    {
        int rounds = ModeArgs.Int(args, "--rounds", 7);
        int enters = ModeArgs.Int(args, "--enters", 200_000);
        (string Name, uint Flags, bool Registered)[] sides =
        [
            ("fd, sq array", Interop.IORING_SETUP_SINGLE_ISSUER | Interop.IORING_SETUP_DEFER_TASKRUN, false),
            ("registered ring fd", Interop.IORING_SETUP_SINGLE_ISSUER | Interop.IORING_SETUP_DEFER_TASKRUN, true),
            ("NO_SQARRAY", Interop.IORING_SETUP_SINGLE_ISSUER | Interop.IORING_SETUP_DEFER_TASKRUN | Interop.IORING_SETUP_NO_SQARRAY, false),
            ("both", Interop.IORING_SETUP_SINGLE_ISSUER | Interop.IORING_SETUP_DEFER_TASKRUN | Interop.IORING_SETUP_NO_SQARRAY, true),
        ];
        var cpu = sides.Select(_ => new List<double>()).ToArray();
        var wall = sides.Select(_ => new List<double>()).ToArray();
        for (int r = 0; r < rounds; r++)
        {
            for (int s = 0; s < sides.Length; s++)
            {
                (double c, double w) = EnterLoop(sides[s].Flags, sides[s].Registered, enters);
                cpu[s].Add(c);
                wall[s].Add(w);
            }
        }
        Console.WriteLine($"| ring | rounds x enters | thread CPU ns/enter | wall ns/enter | CPU vs fd, sq array | load |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        for (int s = 0; s < sides.Length; s++)
        {
            Console.WriteLine($"| {sides[s].Name} | {rounds} x {enters} | {Median(cpu[s]):F0} | {Median(wall[s]):F0} | {Median(cpu[s]) / Median(cpu[0]):F3}x | {Load()} |");
        }
        return 0;
    }

    private static (double CpuNs, double WallNs) EnterLoop(uint flags, bool registered, int enters)
    {
        using IoUringRing ring = IoUringRing.Create(8, flags);
        if (registered && ring.RegisterRingFd() != 0)
        {
            throw new InvalidOperationException("IORING_REGISTER_RING_FDS refused");
        }
        Once(ring, 1000);
        ResourceUsage before = ResourceUsage.ForThread();
        long start = Stopwatch.GetTimestamp();
        Once(ring, enters);
        double wallNs = Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        ResourceUsage after = ResourceUsage.ForThread();
        double cpuNs = (after.User + after.System - before.User - before.System).TotalNanoseconds;
        return (cpuNs / enters, wallNs / enters);
    }

    private static void Once(IoUringRing ring, int enters)
    {
        for (int i = 0; i < enters; i++)
        {
            ring.TryGetSqe(out IoUringSqe* sqe);
            IoUringRing.PrepNop(sqe, (ulong)i);
            if (ring.SubmitAndWait(1) != 1)
            {
                throw new InvalidOperationException("NOP submit failed");
            }
            ring.CqAdvance(1);
        }
    }

    public static int RunPoolRegister(string[] args)
    {
        int mib = ModeArgs.Int(args, "--mib", 64);
        int rounds = ModeArgs.Int(args, "--rounds", 5);
        int pages = (mib << 20) / PageSize.Bytes;
        (string Name, bool Huge, bool HugeTlb)[] sides = [("4 KiB pages", false, false), ("THP (madvise)", true, false), ("hugetlb", true, true)];
        Console.WriteLine($"| {mib} MiB pool | rounds | register ms | unregister ms | kernel pins taken | pins kept while registered | backing | load |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|---:|");
        foreach ((string name, bool huge, bool hugeTlb) in sides)
        {
            var reg = new List<double>();
            var unreg = new List<double>();
            var taken = new List<double>();
            var kept = new List<double>();
            string backing = "";
            for (int r = 0; r < rounds; r++)
            {
                using var pool = new PagePool(pages, huge, hugeTlb);
                backing = pool.BackingDescription;
                using IoUringRing ring = IoUringRing.Create(8);
                IoVec vec = new(pool.BaseAddress, (nuint)pool.SizeBytes);
                ProcVmstat.TryRead(out long a0, out long r0);
                long t0 = Stopwatch.GetTimestamp();
                int res = ring.RegisterBuffers(new ReadOnlySpan<IoVec>(in vec));
                double regMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                ProcVmstat.TryRead(out long a1, out long r1);
                if (res != 0)
                {
                    throw new InvalidOperationException($"register failed: {res}");
                }
                t0 = Stopwatch.GetTimestamp();
                ring.UnregisterBuffers();
                unreg.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                reg.Add(regMs);
                taken.Add(a1 - a0);
                kept.Add((a1 - a0) - (r1 - r0));
            }
            Console.WriteLine($"| {name} | {rounds} | {Median(reg):F2} | {Median(unreg):F2} | {Median(taken):F0} | {Median(kept):F0} | {backing} | {Load()} |");
        }
        return 0;
    }

    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }
}
