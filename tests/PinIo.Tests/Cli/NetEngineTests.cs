using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PinIo.Cli.Options;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>
/// ioengine=net: fio's netio example on loopback — a receiver that listens (rw=read) and a
/// sender (rw=write) in one run; the bytes the sender's job writes are the bytes the receiver's
/// job reads, each reported as fio reports them (JSON read/write io_bytes).
/// </summary>
public sealed class NetEngineTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData("tcp", false)]
    [InlineData("tcp", true)]
    [InlineData("unix", false)]
    public void TheReceiverReadsEveryByteTheSenderWrites(string protocol, bool pingpong)
    {
        string address = protocol == "unix" ? $"--hostname={_dir.File("sock")}" : $"--port={FreePort()}";
        string[] global = ["--ioengine=net", $"--protocol={protocol}", address, "--bs=4k", "--size=8m", .. pingpong ? new[] { "--pingpong" } : []];

        (long read, long written, long readIos, long writeIos) = RunPair(global);

        Assert.Equal(8L << 20, written);
        Assert.Equal(written, read);
        Assert.Equal(writeIos, readIos);
    }

    [Fact]
    public void UdpDatagramsReachTheReceiver_AndTheSendersCloseEndsIt()
    {
        string[] global = ["--ioengine=net", "--protocol=udp", $"--port={FreeUdpPort()}", "--bs=1k", "--size=256k"];

        (long read, long written, _, _) = RunPair(global);

        Assert.Equal(256L << 10, written);
        // Loopback may drop a datagram under load; the receiver ends on the close message either way.
        Assert.InRange(read, 1, written);
    }

    [Theory]
    [InlineData(new[] { "--ioengine=net", "--protocol=tcp", "--hostname=localhost" }, "needs port=")]
    [InlineData(new[] { "--ioengine=net", "--port=9" }, "needs hostname=")]
    [InlineData(new[] { "--ioengine=net", "--protocol=unix" }, "protocol=unix needs hostname=")]
    [InlineData(new[] { "--ioengine=net", "--port=9", "--listen", "--rw=randrw" }, "moves data one way")]
    [InlineData(new[] { "--ioengine=net", "--protocol=udp", "--port=9", "--hostname=239.0.0.1", "--ttl=1" }, "UDP multicast")]
    public void ANetJob_RefusesWhatItCannotDo_ByName(string[] job, string message)
    {
        var e = Assert.Throws<OptionException>(() => TestJobs.Plan(job));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>fio's netio example: [receiver] listen rw=read, [sender] hostname=localhost rw=write; the receiver's read and the sender's write, bytes and I/Os.</summary>
    private static (long Read, long Written, long ReadIos, long WriteIos) RunPair(string[] global)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        string[] args = ["--output-format=json", .. global, "--name=receiver", "--listen", "--rw=read", "--runtime=20",
            "--name=sender", "--hostname=127.0.0.1", "--rw=write", "--runtime=20"];
        if (global.Contains("--protocol=unix"))
        {
            args = [.. args.Where(a => a != "--hostname=127.0.0.1")];
        }
        int status = PinIo.Cli.Program.Run(args, stdout, stderr);
        Assert.True(status == 0, stderr.ToString());
        using JsonDocument json = JsonDocument.Parse(stdout.ToString());
        JsonElement jobs = json.RootElement.GetProperty("jobs");
        JsonElement receiver = jobs[0];
        JsonElement sender = jobs[1];
        Assert.Equal("receiver", receiver.GetProperty("jobname").GetString());
        return (receiver.GetProperty("read").GetProperty("io_bytes").GetInt64(), sender.GetProperty("write").GetProperty("io_bytes").GetInt64(),
            receiver.GetProperty("read").GetProperty("total_ios").GetInt64(), sender.GetProperty("write").GetProperty("total_ios").GetInt64());
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static int FreeUdpPort()
    {
        using var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
    }
}
