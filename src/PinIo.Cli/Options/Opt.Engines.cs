namespace PinIo.Cli.Options;

/// <summary>The options of fio's mmap, splice, cpuio, exec and net engines (fio's engine option tables, engines/cpu.c, exec.c, net.c).</summary>
internal static partial class Opt
{
    // ioengine=cpuio (fio's engines/cpu.c).
    public static readonly Opt<int> CpuLoad = Declare<int>(new() { Name = "cpuload", Kind = OptionKind.Int, Default = "0", Min = 0, Help = "ioengine=cpuio: percentage of one CPU the job burns (needed; above 100 taken as 100, as fio)" });

    public static readonly Opt<CpuMode> CpuMode = Declare<CpuMode>(new()
    {
        Name = "cpumode", Kind = OptionKind.Choice, Default = "noop", Help = "ioengine=cpuio: how the CPU is burnt",
        Choices =
        [
            new("noop", Options.CpuMode.Noop, "Spin for cpuchunks microseconds, then sleep for the rest of the cycle"),
            new("qsort", Options.CpuMode.Qsort, "Sort 256K integers (four sorts) per cycle, the sleep following each sort's measured time"),
        ],
    });

    public static readonly Opt<int> CpuChunks = Declare<int>(new() { Name = "cpuchunks", Kind = OptionKind.Int, Default = "50000", Min = 1, Help = "ioengine=cpuio: microseconds of each burn (the cycle is cpuchunks*100/cpuload)" });

    public static readonly Opt<bool> ExitOnIoDone = Declare<bool>(new() { Name = "exit_on_io_done", Kind = OptionKind.Bool, Default = "0", Help = "ioengine=cpuio: end the job once the jobs of its run that do I/O have ended" });

    // ioengine=exec (fio's engines/exec.c).
    public static readonly Opt<string?> ExecProgram = Declare<string?>(new() { Name = "program", Kind = OptionKind.Text, Help = "ioengine=exec: the program to run for the job's runtime (needed; found in PATH as execvp does)" });

    public static readonly Opt<string?> ExecArguments = Declare<string?>(new() { Name = "arguments", Kind = OptionKind.Text, Help = "ioengine=exec: its arguments, split at spaces; %r is the runtime in seconds, %n the job's name" });

    public static readonly Opt<int> GraceTime = Declare<int>(new() { Name = "grace_time", Kind = OptionKind.Int, Default = "1", Min = 0, Help = "ioengine=exec: seconds the program has to exit after SIGTERM, at the end of the runtime, before SIGKILL" });

    public static readonly Opt<bool> StdRedirect = Declare<bool>(new() { Name = "std_redirect", Kind = OptionKind.Bool, Default = "1", Help = "ioengine=exec: the program's stdout and stderr to NAME.stdout and NAME.stderr (0: pinio's own)" });

    // ioengine=net (fio's engines/net.c).
    public static readonly Opt<string?> Hostname = Declare<string?>(new() { Name = "hostname", Kind = OptionKind.Text, Help = "ioengine=net: the host to connect to (a sender), or the address to listen on; with protocol=unix the socket's path" });

    public static readonly Opt<int> Port = Declare<int>(new() { Name = "port", Kind = OptionKind.Int, Default = "0", Min = 0, Max = 65535, Help = "ioengine=net: the TCP or UDP port (needed for tcp and udp)" });

    public static readonly Opt<NetProtocol> Protocol = Declare<NetProtocol>(new()
    {
        Name = "protocol", Aliases = ["proto"], Kind = OptionKind.Choice, Default = "tcp", Help = "ioengine=net: the transport",
        Choices =
        [
            new("tcp", NetProtocol.Tcp, "TCP over IPv4"),
            new("tcpv6", NetProtocol.TcpV6, "TCP over IPv6"),
            new("udp", NetProtocol.Udp, "UDP over IPv4: a datagram per I/O (lost datagrams are not retried)"),
            new("udpv6", NetProtocol.UdpV6, "UDP over IPv6"),
            new("unix", NetProtocol.Unix, "A Unix domain stream socket at hostname's path"),
        ],
    });

    public static readonly Opt<bool> Listen = Declare<bool>(new() { Name = "listen", Kind = OptionKind.Flag, Default = "0", Help = "ioengine=net: wait for the connection instead of making it (the receiver of fio's netio example)" });

    public static readonly Opt<bool> PingPong = Declare<bool>(new() { Name = "pingpong", Kind = OptionKind.Flag, Default = "0", Help = "ioengine=net: each block is answered by the other side (a sender's write waits for the receiver to send it back)" });

    public static readonly Opt<bool> NoDelay = Declare<bool>(new() { Name = "nodelay", Kind = OptionKind.Bool, Default = "0", Help = "ioengine=net: TCP_NODELAY on TCP connections" });

    public static readonly Opt<long> WindowSize = Declare<long>(new() { Name = "window_size", Kind = OptionKind.Size, Default = "0", Min = 0, Max = int.MaxValue, Help = "ioengine=net: the socket's send and receive buffers (SO_SNDBUF, SO_RCVBUF); 0: the system's" });

    public static readonly Opt<int> Mss = Declare<int>(new() { Name = "mss", Kind = OptionKind.Int, Default = "0", Min = 0, Help = "ioengine=net: TCP's maximum segment size (TCP_MAXSEG); 0: the system's" });

    public static readonly Opt<string?> Interface = Declare<string?>(new() { Name = "interface", Kind = OptionKind.Text, Help = "ioengine=net: the interface of UDP multicast (refused: pinio's net engine does not do multicast)" });

    public static readonly Opt<int?> Ttl = Declare<int?>(new() { Name = "ttl", Kind = OptionKind.Int, Min = 0, Max = 255, Help = "ioengine=net: the TTL of UDP multicast (refused: pinio's net engine does not do multicast)" });
}

/// <summary>fio's cpumode= of ioengine=cpuio.</summary>
internal enum CpuMode
{
    Noop,
    Qsort,
}

/// <summary>fio's protocol= of ioengine=net.</summary>
internal enum NetProtocol
{
    Tcp,
    TcpV6,
    Udp,
    UdpV6,
    Unix,
}
