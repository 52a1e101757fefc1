using System.Diagnostics;
using System.Text.Json;

namespace PinIo.Bench;

/// <summary>One measurement, printed as one JSON line.</summary>
internal sealed class Result
{
    private Result(BenchOptions options) => Options = options;

    public BenchOptions Options { get; }

    public string EngineInUse { get; private set; } = "";

    public long Size { get; private set; }

    public double Seconds { get; private set; }

    public long Ios { get; private set; }

    public double P50Us { get; private set; }

    public double P99Us { get; private set; }

    public double UserSeconds { get; private set; }

    public double SysSeconds { get; private set; }

    public long PinIoPins { get; private set; }

    public long? KernelPins { get; private set; }

    public long AllocatedBytes { get; private set; }

    /// <summary>User and system seconds of the ring's completion thread in the window (io_uring only).</summary>
    public (double User, double Sys)? RingCpu { get; private set; }

    public bool? ODirect { get; set; }

    public static Result From(Measurement m, Snapshot before, Snapshot after, string engineInUse)
    {
        var all = new LatencyHistogram();
        long ios = 0;
        foreach (Chain chain in m.Chains)
        {
            all.Add(chain.Histogram);
            ios += chain.Ios;
        }
        return new Result(m.Options)
        {
            EngineInUse = engineInUse,
            Size = m.Size,
            Seconds = (double)(m.EndTs - m.StartTs) / Stopwatch.Frequency,
            Ios = ios,
            P50Us = all.Percentile(50) / 1000,
            P99Us = all.Percentile(99) / 1000,
            UserSeconds = (after.User - before.User).TotalSeconds,
            SysSeconds = (after.Sys - before.Sys).TotalSeconds,
            PinIoPins = after.PinIoPins - before.PinIoPins,
            KernelPins = before.KernelPinsKnown && after.KernelPinsKnown ? after.KernelPins - before.KernelPins : null,
            AllocatedBytes = after.Allocated - before.Allocated,
            RingCpu = before.Ring is { } r0 && after.Ring is { } r1 ? (r1.User - r0.User, r1.Sys - r0.Sys) : null,
        };
    }

    public void Write(Stream stream)
    {
        BenchOptions o = Options;
        double perIo = Ios > 0 ? 1.0 / Ios : 0;
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteString("engine", o.EngineName);
        w.WriteString("engine_in_use", EngineInUse);
        w.WriteBoolean("fixed", o.Fixed);
        w.WriteBoolean("inline", o.Inline);
        w.WriteString("memory", o.Fixed ? "pool" : o.PrePinned ? "prepinned" : "array");
        w.WriteString("rw", o.Rw == Pattern.Read ? "read" : "randread");
        w.WriteNumber("bs", o.BlockSize);
        w.WriteNumber("iodepth", o.IoDepth);
        w.WriteString("file", o.File);
        w.WriteNumber("size", Size);
        if (ODirect is bool direct)
        {
            w.WriteBoolean("o_direct", direct);
        }
        w.WriteNumber("runtime_s", Math.Round(Seconds, 3));
        w.WriteNumber("ios", Ios);
        w.WriteNumber("iops", Math.Round(Ios / Seconds, 1));
        w.WriteNumber("bw_bytes_per_s", Math.Round(Ios * (double)o.BlockSize / Seconds));
        w.WriteNumber("lat_p50_us", Math.Round(P50Us, 2));
        w.WriteNumber("lat_p99_us", Math.Round(P99Us, 2));
        w.WriteNumber("cpu_user_s", Math.Round(UserSeconds, 3));
        w.WriteNumber("cpu_sys_s", Math.Round(SysSeconds, 3));
        w.WriteNumber("cpu_us_per_io", Math.Round((UserSeconds + SysSeconds) * 1e6 * perIo, 3));
        w.WriteNumber("usr_us_per_io", Math.Round(UserSeconds * 1e6 * perIo, 3));
        if (RingCpu is { } ring)
        {
            // The ring thread's CPU (10 ms ticks): with inline completions, the caller's loop's own.
            w.WriteNumber("ring_usr_us_per_io", Math.Round(ring.User * 1e6 * perIo, 3));
            w.WriteNumber("ring_sys_us_per_io", Math.Round(ring.Sys * 1e6 * perIo, 3));
        }
        w.WriteNumber("pins_pinio", PinIoPins);
        w.WriteNumber("pins_pinio_per_io", Math.Round(PinIoPins * perIo, 3));
        if (KernelPins is long kernel)
        {
            w.WriteNumber("pins_kernel", kernel);
            w.WriteNumber("pins_kernel_per_io", Math.Round(kernel * perIo, 3));
        }
        else
        {
            w.WriteNull("pins_kernel");
            w.WriteNull("pins_kernel_per_io");
        }
        w.WriteNumber("alloc_bytes", AllocatedBytes);
        w.WriteNumber("alloc_bytes_per_io", Math.Round(AllocatedBytes * perIo, 2));
        w.WriteEndObject();
        w.Flush();
        stream.WriteByte((byte)'\n');
    }
}
