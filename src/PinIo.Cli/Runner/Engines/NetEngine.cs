// Follows fio's engines/net.c in meaning: a job's blocks sent or received over one socket.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner.Engines;

/// <summary>
/// ioengine=net. A listening job binds its port (or unix path) when the run is set up, before
/// any job starts, and takes its connection at its first I/O; a sender connects at its first
/// I/O (after startdelay). A read is one block received whole (TCP and unix: until the block
/// is full or the peer hangs up; UDP: one datagram), a write one block sent; with pingpong
/// each block is answered by the other side. When the sender's phase ends it hangs up (UDP: a
/// close datagram, as fio's), and the receiver's job ends when it sees that. Every wait is
/// bounded by the job's runtime and stop, so a peer that went away cannot hold the run.
/// </summary>
internal sealed partial class NetEngine : IJobEngine, ITimedEngine, IDisposable
{
    /// <summary>fio's UDP link messages: a magic and a command (open, close), 8 bytes.</summary>
    private const uint LinkMagic = 0x7069_6e69; // "pini"
    private const uint LinkOpen = 1;
    private const uint LinkClose = 2;
    private const int WaitSliceUs = 10_000;
    private const int CloseRepeats = 5;
    private const int CloseGapMs = 20;

    private readonly JobPlan _plan;
    private readonly NetEndpoint _endpoint;
    private readonly IoClock _clock;
    private readonly bool _pingPong;
    private readonly Socket? _listener;
    private long _moved;
    private Socket? _socket;
    private EndPoint? _peer;
    private bool _done;
    private long _deadline = long.MaxValue;
    private CancellationToken _ct;

    public NetEngine(JobPlan plan, IoClock clock)
    {
        _plan = plan;
        _clock = clock;
        _endpoint = NetEndpoint.Parse(plan.Name, plan.Options);
        _pingPong = plan.Get(Opt.PingPong);
        if (_endpoint.Listen)
        {
            try
            {
                Socket bound = Bind();
                if (_endpoint.IsUdp)
                {
                    _socket = bound;
                }
                else
                {
                    _listener = bound;
                }
            }
            catch (SocketException e)
            {
                throw new OptionException($"pinio: job '{plan.Name}': ioengine=net cannot listen on {_endpoint}: {e.Message}", e);
            }
        }
    }

    public bool Done => _done;

    public void BeginPhase(long deadline, CancellationToken ct)
    {
        _deadline = deadline;
        _ct = ct;
    }

    /// <summary>A sender hangs up when its phase ends, so that the receiver sees the end of the stream.</summary>
    public void EndPhase()
    {
        if (_endpoint.Listen || _socket is null)
        {
            return;
        }
        if (_endpoint.IsUdp)
        {
            // A datagram may be dropped when the receiver's buffer is full: the close is said a few times, a moment apart.
            for (int i = 0; i < CloseRepeats; i++)
            {
                SendLink(LinkClose);
                Thread.Sleep(CloseGapMs);
            }
        }
        else
        {
            try
            {
                _socket.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // The receiver went first: nothing to tell it.
            }
        }
        _done = true;
    }

    public IoStart Start(IoSlot slot, out Exception? error)
    {
        error = null;
        try
        {
            if (_socket is null || (_endpoint.IsUdp && _endpoint.Listen && _peer is null))
            {
                Establish();
            }
            Span<byte> block = slot.Buffer.Span[..slot.Length];
            // Every I/O of the engine ends in its call, so one result is pending at a time.
            _moved = _socket is null || _done ? 0
                : slot.IsWrite ? SendBlock(block) : ReceiveBlock(block);
        }
        catch (SocketException e)
        {
            error = new DirectIoException(ErrnoOf(e.SocketErrorCode), $"ioengine=net: {(slot.IsWrite ? "send to" : "receive from")} {_endpoint} failed: {e.Message}");
            return IoStart.Failed;
        }
        slot.SubmittedAt = _clock.Stamp(slot);
        return IoStart.Completed;
    }

    public long Finish(IoSlot slot) => _moved;

    public ValueTask FlushAsync() => ValueTask.CompletedTask;

    public void Dispose()
    {
        _socket?.Dispose();
        _listener?.Dispose();
        if (_endpoint.Listen && _endpoint.Protocol == NetProtocol.Unix)
        {
            File.Delete(_endpoint.Host);
        }
    }

    private long SendBlock(Span<byte> block)
    {
        long sent = SendAll(block);
        return _pingPong && sent == block.Length ? ReceiveAll(block) : sent;
    }

    private long ReceiveBlock(Span<byte> block)
    {
        long received = ReceiveAll(block);
        if (_pingPong && received > 0)
        {
            SendAll(block[..(int)received]);
        }
        return received;
    }

    /// <summary>The whole block sent (UDP: one datagram); fewer bytes only when the runtime ends or the job is stopped first.</summary>
    private long SendAll(ReadOnlySpan<byte> block)
    {
        int sent = 0;
        while (sent < block.Length)
        {
            SocketError status = SocketError.Success;
            // A UDP receiver answers (pingpong) the peer its open datagram came from.
            int n = _endpoint.IsUdp && _endpoint.Listen
                ? _socket!.SendTo(block, SocketFlags.None, _peer!)
                : _socket!.Send(block[sent..], SocketFlags.None, out status);
            if (status == SocketError.WouldBlock || (status == SocketError.Success && n == 0))
            {
                if (!WaitReady(_socket, SelectMode.SelectWrite))
                {
                    break;
                }
                continue;
            }
            if (status != SocketError.Success)
            {
                throw new SocketException((int)status);
            }
            sent += n;
        }
        return sent;
    }

    /// <summary>
    /// The whole block received (UDP: one datagram); fewer bytes when the peer hung up (the job
    /// is then done, as fio's receiver is when its sender closes) or the runtime ended first.
    /// </summary>
    private long ReceiveAll(Span<byte> block)
    {
        int received = 0;
        while (received < block.Length)
        {
            int n = _socket!.Receive(block[received..], SocketFlags.None, out SocketError status);
            if (status == SocketError.WouldBlock)
            {
                if (!WaitReady(_socket, SelectMode.SelectRead))
                {
                    break;
                }
                continue;
            }
            if (status != SocketError.Success)
            {
                throw new SocketException((int)status);
            }
            if (n == 0 || (_endpoint.IsUdp && IsLink(block[..n], LinkClose)))
            {
                _done = true;
                break;
            }
            received += n;
            if (_endpoint.IsUdp)
            {
                break;
            }
        }
        return received;
    }

    /// <summary>Waits until the socket is ready, in slices, for as long as the phase may run; false when it ended first.</summary>
    private bool WaitReady(Socket socket, SelectMode mode)
    {
        while (!socket.Poll(WaitSliceUs, mode))
        {
            if (_ct.IsCancellationRequested || Stopwatch.GetTimestamp() >= _deadline)
            {
                return false;
            }
        }
        return true;
    }

    private void SendLink(uint command)
    {
        Span<byte> message = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(message, LinkMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(message[4..], command);
        try
        {
            _socket!.Send(message);
        }
        catch (SocketException)
        {
            // A receiver that is gone needs no close.
        }
    }

    private static bool IsLink(ReadOnlySpan<byte> message, uint command) =>
        message.Length == 8 && BinaryPrimitives.ReadUInt32LittleEndian(message) == LinkMagic && BinaryPrimitives.ReadUInt32LittleEndian(message[4..]) == command;

    private static Errno ErrnoOf(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => Errno.ECONNREFUSED,
        SocketError.ConnectionReset or SocketError.ConnectionAborted => Errno.ECONNRESET,
        SocketError.Shutdown => Errno.EPIPE,
        SocketError.TimedOut => Errno.ETIMEDOUT,
        SocketError.AddressAlreadyInUse => Errno.EADDRINUSE,
        SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable => Errno.ENXIO,
        _ => Errno.EIO,
    };
}
