// Follows fio's engines/net.c (fio_netio_setup_listen, fio_netio_accept, fio_netio_connect) in meaning.
using System.Net;
using System.Net.Sockets;
using PinIo.Cli.Options;

namespace PinIo.Cli.Runner.Engines;

/// <summary>The net engine's socket set-up: the listening side bound when the run is set up, the connection taken or made at the first I/O, fio's socket options.</summary>
internal sealed partial class NetEngine
{
    private Socket Bind()
    {
        Socket socket = NewSocket();
        try
        {
            if (_endpoint.Protocol == NetProtocol.Unix)
            {
                // fio unlinks a stale socket file before binding its path.
                File.Delete(_endpoint.Host);
                socket.Bind(new UnixDomainSocketEndPoint(_endpoint.Host));
            }
            else
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                IPAddress any = _endpoint.IsV6 ? IPAddress.IPv6Any : IPAddress.Any;
                IPAddress address = _endpoint.Host.Length > 0 ? Resolve() : any;
                socket.Bind(new IPEndPoint(address, _endpoint.Port));
            }
            SetBufferOptions(socket);
            if (!_endpoint.IsUdp)
            {
                socket.Listen(10);
            }
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The connection: accepted (a listener), or made (a sender); left null when the runtime ends first.</summary>
    private void Establish()
    {
        if (_endpoint.Listen && !_endpoint.IsUdp)
        {
            if (!WaitReady(_listener!, SelectMode.SelectRead))
            {
                _done = true;
                return;
            }
            _socket = _listener!.Accept();
            SetConnectionOptions(_socket);
        }
        else if (_endpoint.Listen)
        {
            WaitForOpen();
        }
        else
        {
            Socket socket = NewSocket();
            try
            {
                SetBufferOptions(socket);
                socket.Connect(_endpoint.Protocol == NetProtocol.Unix ? new UnixDomainSocketEndPoint(_endpoint.Host) : new IPEndPoint(Resolve(), _endpoint.Port));
                SetConnectionOptions(socket);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            _socket = socket;
            if (_endpoint.IsUdp)
            {
                SendLink(LinkOpen);
            }
        }
        if (_socket is not null)
        {
            _socket.Blocking = false;
        }
    }

    /// <summary>A UDP receiver's link: the sender's open datagram names the peer that pingpong answers.</summary>
    private void WaitForOpen()
    {
        Span<byte> message = stackalloc byte[8];
        while (WaitReady(_socket!, SelectMode.SelectRead))
        {
            EndPoint from = new IPEndPoint(_endpoint.IsV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            int n = _socket!.ReceiveFrom(message, SocketFlags.None, ref from);
            if (IsLink(message[..n], LinkOpen))
            {
                _peer = from;
                return;
            }
        }
        _done = true;
    }

    private Socket NewSocket() => _endpoint.Protocol switch
    {
        NetProtocol.Unix => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified),
        NetProtocol.Udp or NetProtocol.UdpV6 => new Socket(_endpoint.IsV6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp),
        _ => new Socket(_endpoint.IsV6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp),
    };

    /// <summary>The host's first address of the protocol's family ("localhost" may name ::1 first).</summary>
    private IPAddress Resolve()
    {
        AddressFamily family = _endpoint.IsV6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        if (IPAddress.TryParse(_endpoint.Host, out IPAddress? literal))
        {
            return literal;
        }
        foreach (IPAddress address in Dns.GetHostAddresses(_endpoint.Host))
        {
            if (address.AddressFamily == family)
            {
                return address;
            }
        }
        throw new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>window_size and mss: fio sets them on the socket before it connects or listens.</summary>
    private void SetBufferOptions(Socket socket)
    {
        if (_plan.Get(Opt.WindowSize) is > 0 and long window)
        {
            socket.SendBufferSize = (int)window;
            socket.ReceiveBufferSize = (int)window;
        }
        if (_plan.Get(Opt.Mss) > 0 && socket.ProtocolType == ProtocolType.Tcp)
        {
            const int TcpMaxSeg = 2;
            socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, TcpMaxSeg, BitConverter.GetBytes(_plan.Get(Opt.Mss)));
        }
    }

    private void SetConnectionOptions(Socket socket)
    {
        if (_plan.Get(Opt.NoDelay) && socket.ProtocolType == ProtocolType.Tcp)
        {
            socket.NoDelay = true;
        }
    }
}
