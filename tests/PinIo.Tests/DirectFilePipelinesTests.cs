using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using PinIo.Examples;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests;

/// <summary>
/// DirectFile and System.IO.Pipelines: ReadToPipeAsync into a <see cref="PipeWriter"/> (ITER_PIPE
/// reads into pool pages, each pinned for its read, then one copy into the writer's memory),
/// CreatePipeReader (the reader's chunks of registered pool memory handed out as the sequence's
/// segments: no pin, no copy), and the example that serves a file over loopback TCP with it.
/// Bytes as in the file, pins balanced, every pool page back.
/// </summary>
public sealed class DirectFilePipelinesTests : PinBalancedTest, IDisposable
{
    private const int FileBytes = (3 << 20) + 1234;

    private readonly string _dir = Directory.CreateTempSubdirectory("pinio-pipelines-").FullName;
    private readonly byte[] _pattern = TestPattern.Make(FileBytes, seed: 21);

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    public async Task ReadToPipeAsync_PipeWriter_CarriesTheRange_PinningThePipePagesForEachRead(IoEngine engine)
    {
        await using DirectFile file = DirectFile.Open(await WriteFileAsync(), new DirectFileOptions { Engine = engine });
        var pipe = new Pipe();
        Task<byte[]> drained = DrainAsync(pipe.Reader);
        long pinsBefore = PinStats.Acquired;

        long written = await file.ReadToPipeAsync(4096, (1 << 20) + 333, pipe.Writer);
        await pipe.Writer.CompleteAsync();

        Assert.Equal((1 << 20) + 333, written);
        byte[] got = await drained;
        TestPattern.AssertBytes(_pattern.AsSpan(4096, (1 << 20) + 333), got);
        Assert.True(PinStats.Acquired - pinsBefore >= ((1 << 20) + 333) / 4096, "every pipe page pinned for its read (ITER_PIPE)");
    }

    [Fact]
    public async Task ReadToPipeAsync_PastTheEnd_StopsAtTheEndOfTheFile()
    {
        await using DirectFile file = DirectFile.Open(await WriteFileAsync());
        var pipe = new Pipe();
        Task<byte[]> drained = DrainAsync(pipe.Reader);

        long written = await file.ReadToPipeAsync(FileBytes - 5000 - (FileBytes - 5000) % 4096, 1 << 20, pipe.Writer);
        await pipe.Writer.CompleteAsync();

        int from = FileBytes - 5000 - (FileBytes - 5000) % 4096;
        Assert.Equal(FileBytes - from, written);
        byte[] got = await drained;
        TestPattern.AssertBytes(_pattern.AsSpan(from), got);
    }

    [Fact]
    public async Task ReadToPipeAsync_AtAnOffsetInsideABlock_IsEinval()
    {
        await using DirectFile file = DirectFile.Open(await WriteFileAsync());
        var pipe = new Pipe();

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await file.ReadToPipeAsync(100, 4096, pipe.Writer));

        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Theory]
    [InlineData(0, FileBytes)]
    [InlineData(777, (2 << 20) + 5)]
    [InlineData(4096, 0)]
    [InlineData(1 << 20, 1L << 40)]
    public async Task CreatePipeReader_HandsOutTheRange_FromPoolPages_WithNoPin(long offset, long count)
    {
        await using DirectFile file = DirectFile.Open(await WriteFileAsync());
        PagePool pool = file.Device.BufferPool!;
        int free = pool.FreeCount;
        long pinsBefore = PinStats.Acquired;
        PipeReader reader = file.CreatePipeReader(offset, count, bufferSize: 256 << 10, readAheadDepth: 3);

        byte[] got = await DrainAsync(reader);

        long expected = Math.Min(count, FileBytes - offset);
        TestPattern.AssertBytes(_pattern.AsSpan((int)offset, (int)expected), got);
        Assert.Equal(pinsBefore, PinStats.Acquired);
        Assert.Equal(free, pool.FreeCount);
    }

    [Fact]
    public async Task CreatePipeReader_SegmentsAreThePoolsMemory_NotCopies()
    {
        await using DirectFile file = DirectFile.Open(await WriteFileAsync());
        PagePool pool = file.Device.BufferPool!;
        PipeReader reader = file.CreatePipeReader(0, FileBytes, bufferSize: 256 << 10);

        ReadResult result = await reader.ReadAsync();
        bool allPool = true;
        foreach (ReadOnlyMemory<byte> segment in result.Buffer)
        {
            unsafe
            {
                using MemoryHandle handle = segment.Pin();
                allPool &= pool.Contains((nint)handle.Pointer);
            }
        }
        reader.AdvanceTo(result.Buffer.Start);
        await reader.CompleteAsync();

        Assert.True(allPool, "every segment lies in the file's buffer pool");
    }

    [Fact]
    public async Task CreatePipeReader_ExaminedButNotConsumed_NextReadBringsMore()
    {
        await using DirectFile file = DirectFile.Open(await WriteFileAsync());
        PipeReader reader = file.CreatePipeReader(0, FileBytes, bufferSize: 64 << 10, readAheadDepth: 4);
        try
        {
            ReadResult first = await reader.ReadAsync();
            SequencePosition firstChunkEnd = first.Buffer.GetPosition(first.Buffer.First.Length);
            reader.AdvanceTo(first.Buffer.GetPosition(10), firstChunkEnd);

            ReadResult second = await reader.ReadAsync();

            Assert.True(second.Buffer.Length > first.Buffer.First.Length - 10, $"{second.Buffer.Length} bytes after examining {first.Buffer.First.Length}");
            TestPattern.AssertBytes(_pattern.AsSpan(10, 100), second.Buffer.Slice(0, 100).ToArray());
            reader.AdvanceTo(second.Buffer.End);
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    [Fact]
    public async Task CreatePipeReader_WindowAllExaminedNoneConsumed_TheNextReadSaysSo()
    {
        await using DirectFile file = DirectFile.Open(await WriteFileAsync());
        PipeReader reader = file.CreatePipeReader(0, FileBytes, bufferSize: 64 << 10, readAheadDepth: 1);
        try
        {
            ReadResult first = await reader.ReadAsync();
            reader.AdvanceTo(first.Buffer.Start, first.Buffer.End);

            var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await reader.ReadAsync());

            Assert.Contains("readAheadDepth", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    [Fact]
    public async Task FileServerExample_SendsTheFileOverLoopbackTcp_ByteForByte()
    {
        await using DirectFile file = DirectFile.Open(await WriteFileAsync(), new DirectFileOptions { ReadOnly = true });
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        Task<long> serving = FileServer.ServeOneAsync(listener, file);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        await using var network = new NetworkStream(client, ownsSocket: false);
        using var received = new MemoryStream();
        await network.CopyToAsync(received);

        Assert.Equal(FileBytes, await serving);
        TestPattern.AssertBytes(_pattern, received.ToArray());
    }

    private static async Task<byte[]> DrainAsync(PipeReader reader)
    {
        using var all = new MemoryStream();
        while (true)
        {
            ReadResult result = await reader.ReadAsync();
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                all.Write(segment.Span);
            }
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
        await reader.CompleteAsync();
        return all.ToArray();
    }

    private async Task<string> WriteFileAsync()
    {
        string path = Path.Combine(_dir, "data");
        await File.WriteAllBytesAsync(path, _pattern);
        return path;
    }

    public new void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        base.Dispose();
    }
}
