// Follows fio's FIO_DISKLESSIO engines (engines/cpu.c, exec.c, net.c): a job with no file.
using PinIo.Block;
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// The target of ioengine=cpuio, exec and net: no file is opened or created (the filename is
/// only a name) and no device does I/O; the job's engine burns CPU, watches a program, or moves
/// its blocks over a socket. Its size bounds the job as fio's size does (default: unbounded in
/// practice, so the runtime ends it). The engine's options are checked here, when the job is
/// planned, so that a bad one stops the run before any job starts.
/// </summary>
internal sealed record DisklessTarget(string Filename, long Bytes, IoEngineKind Engine) : Target(Filename)
{
    /// <summary>The size of a diskless job that gives none: 1 TiB, more than any runtime gets through.</summary>
    public const long DefaultBytes = 1L << 40;

    public override long Capacity => Bytes;

    /// <summary>cpuio and exec: fio's FIO_NOIO engines, whose I/Os count but move no bytes.</summary>
    public bool MovesNoData => Engine is IoEngineKind.Cpuio or IoEngineKind.Exec;

    public override int LogicalBlockSize => 1;

    public override bool NeedsLayout => false;

    public override string DeviceKey => $"diskless|{Engine}|{Filename}";

    public override bool CompletesOnJobThread => true;

    public override IBlockDevice Open(long fixedBufferBytes) => new NullDevice(Bytes);

    public static DisklessTarget Parse(string jobName, string filename, JobOptions o)
    {
        IoEngineKind engine = o.Get(Opt.IoEngine);
        string name = $"ioengine={engine.FioName()}";
        if (o.Get(Opt.Verify) != VerifyKind.None || o.Get(Opt.VerifyPattern) is not null)
        {
            if (engine != IoEngineKind.Net)
            {
                throw new OptionException($"pinio: job '{jobName}': {name} stores nothing, so there is nothing to verify: drop verify=");
            }
            throw new OptionException($"pinio: job '{jobName}': {name} with verify= is not supported (the receiver would check blocks the sender's job wrote): drop verify=");
        }
        if (o.Rw.HasTrims())
        {
            throw new OptionException($"pinio: job '{jobName}': {name} has nothing to trim: use rw=read or rw=write");
        }
        switch (engine)
        {
            case IoEngineKind.Cpuio:
                CheckCpuio(jobName, o);
                break;
            case IoEngineKind.Exec:
                CheckExec(jobName, o);
                break;
            default:
                filename = NetEndpoint.Parse(jobName, o).ToString();
                break;
        }
        long bytes = o.Get(Opt.FileSize)?.Min ?? (o.Size is long size ? o.Get(Opt.Offset).Bytes + size : DefaultBytes);
        return new DisklessTarget(filename, bytes, engine);
    }

    private static void CheckCpuio(string jobName, JobOptions o)
    {
        if (o.Get(Opt.CpuLoad) == 0)
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=cpuio needs cpuload= (the percentage of a CPU to burn, 1 to 100)");
        }
    }

    private static void CheckExec(string jobName, JobOptions o)
    {
        if (o.Get(Opt.ExecProgram) is not { Length: > 0 })
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=exec needs program= (the program to run)");
        }
    }
}

/// <summary>fio's exec engine's command line: the program, and its arguments with %r and %n replaced, split at spaces.</summary>
internal static class ExecCommand
{
    /// <summary>The arguments (without the program) as fio's exec engine passes them: %r the runtime in whole seconds, %n the job's name.</summary>
    public static string[] Arguments(string? arguments, long runtimeUs, string jobName)
    {
        if (arguments is null)
        {
            return [];
        }
        string expanded = arguments
            .Replace("%r", (runtimeUs / 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("%n", jobName, StringComparison.Ordinal);
        return expanded.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The file execvp would run for <paramref name="program"/>: a path as given, else the first executable of that name in PATH; null when none.</summary>
    public static string? Resolve(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutable(program) ? program : null;
        }
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = System.IO.Path.Combine(dir, program);
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static bool IsExecutable(string path) =>
        File.Exists(path) && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
}

/// <summary>Where a net job's socket goes: fio's protocol, hostname and port, checked.</summary>
internal sealed record NetEndpoint(NetProtocol Protocol, string Host, int Port, bool Listen)
{
    public bool IsUdp => Protocol is NetProtocol.Udp or NetProtocol.UdpV6;

    public bool IsV6 => Protocol is NetProtocol.TcpV6 or NetProtocol.UdpV6;

    public override string ToString() => Protocol == NetProtocol.Unix ? Host : $"{Host},{Port}";

    public static NetEndpoint Parse(string jobName, JobOptions o)
    {
        NetProtocol protocol = o.Get(Opt.Protocol);
        bool listen = o.Get(Opt.Listen);
        if (o.Get(Opt.Interface) is not null || o.Get(Opt.Ttl) is not null)
        {
            throw new OptionException($"pinio: job '{jobName}': interface= and ttl= are for UDP multicast, which pinio's net engine does not do: drop them and use a unicast hostname");
        }
        if (o.Rw.IsMixed())
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=net moves data one way (fio's FIO_UNIDIR): use rw=read (with listen) or rw=write, not rw={o.Rw.FioName()}");
        }
        string? host = o.Get(Opt.Hostname);
        if (protocol == NetProtocol.Unix)
        {
            return host is { Length: > 0 } path ? new NetEndpoint(protocol, path, 0, listen)
                : throw new OptionException($"pinio: job '{jobName}': protocol=unix needs hostname= (the socket's path)");
        }
        int port = o.Get(Opt.Port);
        if (port == 0)
        {
            throw new OptionException($"pinio: job '{jobName}': ioengine=net with protocol={protocol.ToString().ToLowerInvariant()} needs port= (1 to 65535)");
        }
        if (!listen && host is not { Length: > 0 })
        {
            throw new OptionException($"pinio: job '{jobName}': a net job that does not listen needs hostname= (the host to send to; fio's filename=HOST,PORT form is not read), or set listen to receive");
        }
        return new NetEndpoint(protocol, host ?? string.Empty, port, listen);
    }
}
