// Follows fs/splice.c's use by sendfile(2): file pages to a socket with no copy in user memory.
using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace PinIo.Examples;

/// <summary>
/// Sends a range of a <see cref="DirectFile"/> to a socket through
/// <see cref="DirectFile.CreatePipeReader"/>: every segment of the reader's buffer is
/// registered pool memory the device filled by Direct I/O, handed to <see cref="Socket.SendAsync(ReadOnlyMemory{byte}, SocketFlags, CancellationToken)"/>
/// as it is. The only copy left is the kernel's, into the socket's buffers.
/// </summary>
public static class FileServer
{
    /// <summary>Sends bytes [<paramref name="offset"/>, +<paramref name="count"/>) of <paramref name="file"/>; returns how many were sent.</summary>
    public static async Task<long> SendAsync(Socket socket, DirectFile file, long offset, long count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(file);
        PipeReader reader = file.CreatePipeReader(offset, count);
        long sent = 0;
        try
        {
            while (true)
            {
                ReadResult result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    sent += await SendAllAsync(socket, segment, cancellationToken).ConfigureAwait(false);
                }
                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return sent;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Accepts one connection on <paramref name="listener"/>, sends it the whole file and closes it.</summary>
    public static async Task<long> ServeOneAsync(Socket listener, DirectFile file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(file);
        using Socket connection = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        long sent = await SendAsync(connection, file, 0, file.Length, cancellationToken).ConfigureAwait(false);
        connection.Shutdown(SocketShutdown.Send);
        return sent;
    }

    private static async ValueTask<int> SendAllAsync(Socket socket, ReadOnlyMemory<byte> segment, CancellationToken cancellationToken)
    {
        int total = segment.Length;
        while (!segment.IsEmpty)
        {
            int n = await socket.SendAsync(segment, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            segment = segment[n..];
        }
        return total;
    }
}
