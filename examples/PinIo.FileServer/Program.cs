// pinio-serve FILE [PORT]: serves FILE to every client that connects to 127.0.0.1:PORT (0: any free port), one after another.
using System.Net;
using System.Net.Sockets;
using PinIo;
using PinIo.Examples;
using PinIo.Mm;

if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: pinio-serve FILE [PORT]   (then e.g.: nc 127.0.0.1 PORT > copy)");
    return 2;
}
await using DirectFile file = DirectFile.Open(args[0], new DirectFileOptions { ReadOnly = true });
using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, args.Length == 2 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0));
listener.Listen();
Console.WriteLine($"serving {file.Path} ({file.Length} bytes) on {listener.LocalEndPoint}");
while (true)
{
    long sent = await FileServer.ServeOneAsync(listener, file);
    Console.WriteLine($"sent {sent} bytes; pins held now: {PinStats.Acquired - PinStats.Released}");
}
