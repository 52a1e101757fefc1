using System.Globalization;

namespace PinIo.Bench;

internal enum BenchEngine
{
    PinIoUring,
    PinIoSync,
    PinIoLibaio,
    Dotnet,

    /// <summary>The raw device under a Volume, through DirectIo (issue 9's baseline).</summary>
    VolumeRaw,

    /// <summary>A file of a Volume formatted on the device, through VolumeFile.</summary>
    Volume,
}

internal enum Pattern
{
    RandRead,
    Read,
    RandWrite,
}

/// <summary>The command line, in fio's spelling where fio has one (--rw, --bs, --iodepth, --runtime, --size).</summary>
internal sealed class BenchOptions
{
    public BenchEngine Engine { get; private set; } = BenchEngine.PinIoUring;

    public string EngineName { get; private set; } = "pinio-uring";

    /// <summary>pinio: memory from DirectFile.AllocateBuffer (registered, fixed-buffer I/O).</summary>
    public bool Fixed { get; private set; }

    public Pattern Rw { get; private set; } = Pattern.RandRead;

    public bool Write => Rw == Pattern.RandWrite;

    public int BlockSize { get; private set; } = 4096;

    public int IoDepth { get; private set; } = 1;

    public double RuntimeSeconds { get; private set; } = 5;

    /// <summary>Seconds run before measuring (JIT, tiering, ring warm-up); not counted.</summary>
    public double RampSeconds { get; private set; } = 1;

    public string File { get; private set; } = "/var/tmp/pinio-bench.dat";

    /// <summary>Bytes of the file used, from offset 0; 0 for all of it.</summary>
    public long Size { get; private set; }

    /// <summary>dotnet: ReadAsync (the thread-pool path) or Read on dedicated threads.</summary>
    public bool DotnetSync { get; private set; }

    /// <summary>pinio: continuations on the ring's completion thread (InlineCompletions, the default here) or on the thread pool (DirectFileOptions' default).</summary>
    public bool Inline { get; private set; } = true;

    /// <summary>
    /// pinio without --fixed: the pinned-object-heap buffers handed over as
    /// MemoryMarshal.CreateFromPinnedArray memory (the default, as Kestrel's pinned pool does)
    /// or as plain array memory (array.AsMemory), which PinIo must GC-pin per request.
    /// </summary>
    public bool PrePinned { get; private set; } = true;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        foreach (string arg in args)
        {
            string name = arg;
            string value = "";
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                name = arg[..eq];
                value = arg[(eq + 1)..];
            }
            switch (name)
            {
                case "--engine":
                    o.EngineName = value;
                    o.Engine = value switch
                    {
                        "pinio-uring" => BenchEngine.PinIoUring,
                        "pinio-sync" => BenchEngine.PinIoSync,
                        "pinio-libaio" => BenchEngine.PinIoLibaio,
                        "dotnet" => BenchEngine.Dotnet,
                        "volume-raw" => BenchEngine.VolumeRaw,
                        "volume" => BenchEngine.Volume,
                        _ => throw new ArgumentException($"--engine={value}: use pinio-uring, pinio-sync, pinio-libaio, dotnet, volume-raw or volume"),
                    };
                    break;
                case "--fixed":
                    o.Fixed = true;
                    break;
                case "--rw":
                    o.Rw = value switch
                    {
                        "randread" => Pattern.RandRead,
                        "read" => Pattern.Read,
                        "randwrite" => Pattern.RandWrite,
                        _ => throw new ArgumentException($"--rw={value}: use randread, read or randwrite (randwrite: volume engines only)"),
                    };
                    break;
                case "--bs":
                    o.BlockSize = checked((int)ParseSize(value));
                    break;
                case "--iodepth":
                    o.IoDepth = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--runtime":
                    o.RuntimeSeconds = ParseSeconds(value);
                    break;
                case "--ramp":
                    o.RampSeconds = ParseSeconds(value);
                    break;
                case "--file":
                case "--filename":
                    o.File = value;
                    break;
                case "--size":
                    o.Size = ParseSize(value);
                    break;
                case "--dotnet-api":
                    o.DotnetSync = value switch
                    {
                        "async" => false,
                        "sync" => true,
                        _ => throw new ArgumentException($"--dotnet-api={value}: use async or sync"),
                    };
                    break;
                case "--inline":
                    o.Inline = ParseBool(name, value);
                    break;
                case "--memory":
                    o.PrePinned = value switch
                    {
                        "prepinned" => true,
                        "array" => false,
                        _ => throw new ArgumentException($"--memory={value}: use prepinned or array"),
                    };
                    break;
                default:
                    throw new ArgumentException($"unknown option '{arg}'");
            }
        }
        if (o.Write && o.Engine is not (BenchEngine.VolumeRaw or BenchEngine.Volume))
        {
            throw new ArgumentException("--rw=randwrite destroys the file's data: only the volume engines (which format the device) take it");
        }
        if (o.BlockSize <= 0 || o.BlockSize % 512 != 0)
        {
            throw new ArgumentException("--bs must be a positive multiple of 512");
        }
        if (o.IoDepth <= 0 || o.RuntimeSeconds <= 0 || o.RampSeconds < 0)
        {
            throw new ArgumentException("--iodepth and --runtime must be positive, --ramp not negative");
        }
        return o;
    }

    /// <summary>fio's sizes: 4k, 1m, 1g (powers of 1024), or plain bytes.</summary>
    public static long ParseSize(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t.EndsWith('b'))
        {
            t = t[..^1];
        }
        if (t.EndsWith('i'))
        {
            t = t[..^1];
        }
        long unit = 1;
        if (t.Length > 0 && char.IsLetter(t[^1]))
        {
            unit = t[^1] switch
            {
                'k' => 1L << 10,
                'm' => 1L << 20,
                'g' => 1L << 30,
                't' => 1L << 40,
                _ => throw new ArgumentException($"size '{text}': unknown unit"),
            };
            t = t[..^1];
        }
        return checked(long.Parse(t, CultureInfo.InvariantCulture) * unit);
    }

    private static bool ParseBool(string name, string value) => value switch
    {
        "1" or "true" or "" => true,
        "0" or "false" => false,
        _ => throw new ArgumentException($"{name}={value}: use 1 or 0"),
    };

    private static double ParseSeconds(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t.EndsWith("ms", StringComparison.Ordinal))
        {
            return double.Parse(t[..^2], CultureInfo.InvariantCulture) / 1000;
        }
        if (t.EndsWith('s'))
        {
            t = t[..^1];
        }
        return double.Parse(t, CultureInfo.InvariantCulture);
    }
}
