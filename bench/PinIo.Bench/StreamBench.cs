// stream / pipe: issue 13's DirectFileStream and pipes measured from a .NET caller's own loop (bench/stream.sh, bench/pipe.sh).
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using PinIo.Examples;

namespace PinIo.Bench;

/// <summary>
/// <c>stream --mode=read|write --api=pinio|filestream --file=F</c>: one sequential pass over the
/// whole file F. read: <c>CopyToAsync(Stream.Null)</c>; write: 1 MiB <c>WriteAsync</c> calls over
/// F's length, then a durable flush (counted in the time). pinio is a DirectFileStream (default
/// options: 1 MiB chunks, 4 read ahead, 4 written behind); filestream a buffered FileStream
/// (async, its default buffer), its write flushed with <c>Flush(flushToDisk: true)</c>.
/// <para>
/// <c>pipe --api=reader|writer|filestream --file=F</c>: F sent whole over a loopback TCP
/// connection to a client in the same process that reads and drops it. reader: the example's
/// FileServer (DirectFile.CreatePipeReader, pool pages to the socket); writer:
/// DirectFile.ReadToPipeAsync into a Pipe whose reader sends; filestream:
/// <c>FileStream.CopyToAsync(NetworkStream)</c>.
/// </para>
/// Prints one JSON line with the MiB/s.
/// </summary>
internal static class StreamBench
{
    private const int Chunk = 1 << 20;

    public static int RunStream(string[] args)
    {
        string path = ModeArgs.Required(args, "--file");
        string mode = ModeArgs.Required(args, "--mode");
        string api = ModeArgs.Required(args, "--api");
        long bytes = new FileInfo(path).Length;
        (long moved, TimeSpan elapsed) = (mode, api) switch
        {
            ("read", "pinio") => ReadPinIoAsync(path).GetAwaiter().GetResult(),
            ("read", "filestream") => ReadFileStreamAsync(path).GetAwaiter().GetResult(),
            ("write", "pinio") => WritePinIoAsync(path, bytes).GetAwaiter().GetResult(),
            ("write", "filestream") => WriteFileStreamAsync(path, bytes).GetAwaiter().GetResult(),
            _ => throw new ArgumentException($"--mode={mode} --api={api}: mode is read or write, api pinio or filestream"),
        };
        Print("stream", mode, api, moved, elapsed);
        return 0;
    }

    public static int RunPipe(string[] args)
    {
        string path = ModeArgs.Required(args, "--file");
        string api = ModeArgs.Required(args, "--api");
        var clock = Stopwatch.StartNew();
        long moved = ServeOnceAsync(path, api).GetAwaiter().GetResult();
        Print("pipe", "send", api, moved, clock.Elapsed);
        return 0;
    }

    private static async Task<(long, TimeSpan)> ReadPinIoAsync(string path)
    {
        await using var stream = new DirectFileStream(DirectFile.Open(path, new DirectFileOptions { ReadOnly = true }));
        var clock = Stopwatch.StartNew();
        await stream.CopyToAsync(Stream.Null);
        return (stream.Position, clock.Elapsed);
    }

    private static async Task<(long, TimeSpan)> ReadFileStreamAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
        var clock = Stopwatch.StartNew();
        await stream.CopyToAsync(Stream.Null);
        return (stream.Position, clock.Elapsed);
    }

    private static async Task<(long, TimeSpan)> WritePinIoAsync(string path, long bytes)
    {
        byte[] chunk = Data();
        await using var stream = new DirectFileStream(DirectFile.Open(path));
        var clock = Stopwatch.StartNew();
        for (long done = 0; done < bytes; done += chunk.Length)
        {
            await stream.WriteAsync(chunk);
        }
        await stream.FlushAsync();
        return (stream.Position, clock.Elapsed);
    }

    private static async Task<(long, TimeSpan)> WriteFileStreamAsync(string path, long bytes)
    {
        byte[] chunk = Data();
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read, 4096, useAsync: true);
        var clock = Stopwatch.StartNew();
        for (long done = 0; done < bytes; done += chunk.Length)
        {
            await stream.WriteAsync(chunk);
        }
        stream.Flush(flushToDisk: true);
        return (stream.Position, clock.Elapsed);
    }

    private static async Task<long> ServeOnceAsync(string path, string api)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        Task<long> client = Task.Run(() => DrainClientAsync((IPEndPoint)listener.LocalEndPoint!));
        using (Socket connection = await listener.AcceptAsync())
        {
            await SendAsync(connection, path, api);
            connection.Shutdown(SocketShutdown.Send);
        }
        return await client;
    }

    private static async Task SendAsync(Socket connection, string path, string api)
    {
        if (api == "filestream")
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            await using var network = new NetworkStream(connection, ownsSocket: false);
            await file.CopyToAsync(network);
            return;
        }
        await using DirectFile direct = DirectFile.Open(path, new DirectFileOptions { ReadOnly = true });
        if (api == "reader")
        {
            await FileServer.SendAsync(connection, direct, 0, direct.Length);
            return;
        }
        if (api != "writer")
        {
            throw new ArgumentException($"--api={api}: reader, writer or filestream");
        }
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20, useSynchronizationContext: false));
        Task sending = SendFromPipeAsync(pipe.Reader, connection);
        await direct.ReadToPipeAsync(0, direct.Length, pipe.Writer);
        await pipe.Writer.CompleteAsync();
        await sending;
    }

    private static async Task SendFromPipeAsync(PipeReader reader, Socket connection)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                for (ReadOnlyMemory<byte> rest = segment; !rest.IsEmpty;)
                {
                    rest = rest[await connection.SendAsync(rest, SocketFlags.None)..];
                }
            }
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
        await reader.CompleteAsync();
    }

    private static async Task<long> DrainClientAsync(IPEndPoint server)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server);
        byte[] buffer = new byte[Chunk];
        long total = 0;
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            total += n;
        }
        return total;
    }

    private static byte[] Data()
    {
        byte[] chunk = new byte[Chunk];
        new Random(13).NextBytes(chunk);
        return chunk;
    }

    private static void Print(string bench, string mode, string api, long bytes, TimeSpan elapsed) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"{bench}\",\"mode\":\"{mode}\",\"api\":\"{api}\",\"bytes\":{bytes},\"seconds\":{elapsed.TotalSeconds:F3},\"mibps\":{bytes / 1048576.0 / elapsed.TotalSeconds:F1}}}"));
}
