using System.IO.Compression;
using System.Text;
using CsCheck;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests;

/// <summary>
/// DirectFileStream: any sequence of reads, writes, seeks, length changes and flushes at any
/// sizes and offsets does what a <see cref="MemoryStream"/> does (a property, CsCheck, with
/// chunks of two pages so that read-ahead, write-behind and partial blocks all turn up), and
/// the file holds the model's bytes afterwards; the .NET consumers of a Stream work over it;
/// every staging chunk goes back to the pool, also when disposed with reads in flight.
/// </summary>
public sealed class DirectFileStreamTests : PinBalancedTest, IDisposable
{
    private static readonly DirectFileStreamOptions s_small = new() { BufferSize = 8192, ReadAheadDepth = 2, WriteBehindDepth = 2 };

    private static readonly Gen<(int Kind, int A, int B)[]> s_operations =
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, 30000], Gen.Int[0, 1]).Array[1, 30];

    private readonly string _dir = Directory.CreateTempSubdirectory("pinio-stream-").FullName;

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    public void AnySequenceOfStreamOperations_DoesWhatAMemoryStreamDoes_AndLeavesTheModelsBytesInTheFile(IoEngine engine)
    {
        string path = Path.Combine(_dir, "model");
        Gen.Select(Gen.Int[0, 30000], s_operations).Sample((initial, operations) =>
            RunModelAsync(path, engine, initial, operations).GetAwaiter().GetResult(), iter: 40, threads: 1);
    }

    [Fact]
    public async Task CopyToAsync_CarriesEveryByteFromThePosition()
    {
        byte[] pattern = TestPattern.Make((3 << 20) + 123, seed: 3);
        string path = await WriteFileAsync("copy", pattern);
        await using var stream = new DirectFileStream(DirectFile.Open(path));
        stream.Position = 5000;
        using var copy = new MemoryStream();

        await stream.CopyToAsync(copy);

        TestPattern.AssertBytes(pattern.AsSpan(5000), copy.ToArray());
        Assert.Equal(pattern.Length, stream.Position);
    }

    [Fact]
    public async Task StreamWriterThenStreamReader_RoundTripText()
    {
        string path = Path.Combine(_dir, "text");
        var lines = Enumerable.Range(0, 20000).Select(i => $"line {i}: {new string((char)('a' + (i % 26)), i % 37)}").ToArray();
        await using (var stream = new DirectFileStream(DirectFile.Open(path, new DirectFileOptions { Create = true })))
        await using (var writer = new StreamWriter(stream, Encoding.UTF8))
        {
            foreach (string line in lines)
            {
                await writer.WriteLineAsync(line);
            }
        }

        await using var readStream = new DirectFileStream(DirectFile.Open(path, new DirectFileOptions { ReadOnly = true }));
        using var reader = new StreamReader(readStream, Encoding.UTF8);
        var read = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            read.Add(line);
        }

        Assert.Equal(lines, read);
        Assert.Equal(new FileInfo(path).Length, readStream.Length);
    }

    [Fact]
    public async Task GZipStream_RoundTripsThroughTheFile()
    {
        string path = Path.Combine(_dir, "gz");
        byte[] pattern = TestPattern.Make((2 << 20) + 777, seed: 5);
        await using (var stream = new DirectFileStream(DirectFile.Open(path, new DirectFileOptions { Create = true })))
        await using (var gzip = new GZipStream(stream, CompressionLevel.Fastest))
        {
            await gzip.WriteAsync(pattern);
        }

        await using var readStream = new DirectFileStream(DirectFile.Open(path, new DirectFileOptions { ReadOnly = true }));
        await using var unzip = new GZipStream(readStream, CompressionMode.Decompress);
        using var back = new MemoryStream();
        await unzip.CopyToAsync(back);

        TestPattern.AssertBytes(pattern, back.ToArray());
    }

    [Fact]
    public async Task SetLength_InsideABlock_CutsTheBlocksTail_AndGrowingAgainShowsZeroes()
    {
        byte[] pattern = TestPattern.Make(10000, seed: 7);
        string path = await WriteFileAsync("cut", pattern);
        await using var file = DirectFile.Open(path);
        await using var stream = new DirectFileStream(file, s_small, leaveOpen: true);
        stream.Position = 5000;
        stream.Write(new byte[100]);

        stream.SetLength(7001);
        stream.SetLength(9000);
        await stream.FlushAsync();

        byte[] expected = new byte[9000];
        pattern.AsSpan(0, 7001).CopyTo(expected);
        expected.AsSpan(5000, 100).Clear();
        byte[] onDisk = await File.ReadAllBytesAsync(path);
        TestPattern.AssertBytes(expected, onDisk);
    }

    [Fact]
    public async Task Flush_CutsTheZeroPaddingOfAPartialLastBlock_AndTheFileHasTheStreamsLength()
    {
        string path = Path.Combine(_dir, "pad");
        await using var stream = new DirectFileStream(DirectFile.Open(path, new DirectFileOptions { Create = true }), s_small);
        byte[] data = TestPattern.Make(12345, seed: 9);
        await stream.WriteAsync(data);

        await stream.FlushAsync();

        Assert.Equal(12345, new FileInfo(path).Length);
        byte[] onDisk = await File.ReadAllBytesAsync(path);
        TestPattern.AssertBytes(data, onDisk);
    }

    [Fact]
    public async Task WriteInsideAnExistingBlock_KeepsTheFilesBytesAroundIt()
    {
        byte[] pattern = TestPattern.Make(20000, seed: 13);
        string path = await WriteFileAsync("rmw", pattern);
        await using (var stream = new DirectFileStream(DirectFile.Open(path), s_small))
        {
            stream.Position = 4100;
            await stream.WriteAsync(new byte[] { 1, 2, 3 });
            stream.Position = 12000;
            stream.WriteByte(4);
        }

        pattern[4100] = 1;
        pattern[4101] = 2;
        pattern[4102] = 3;
        pattern[12000] = 4;
        byte[] onDisk = await File.ReadAllBytesAsync(path);
        TestPattern.AssertBytes(pattern, onDisk);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Dispose_WithReadsAheadInFlight_ReturnsEveryChunkToThePool(bool async)
    {
        string path = await WriteFileAsync("ahead", TestPattern.Make(8 << 20, seed: 15));
        await using var file = DirectFile.Open(path);
        PagePool pool = file.Device.BufferPool!;
        int free = pool.FreeCount;
        var stream = new DirectFileStream(file, leaveOpen: true);
        Assert.Equal(TestPattern.Pattern(0, 15), stream.ReadByte());
        Assert.True(pool.FreeCount < free);

        if (async)
        {
            await stream.DisposeAsync();
        }
        else
        {
            stream.Dispose();
        }

        Assert.Equal(free, pool.FreeCount);
        Assert.Throws<ObjectDisposedException>(() => stream.ReadByte());
    }

    [Fact]
    public async Task Write_OnAReadOnlyFile_IsNotSupported()
    {
        string path = await WriteFileAsync("ro", TestPattern.Make(4096, seed: 17));
        await using var stream = new DirectFileStream(DirectFile.Open(path, new DirectFileOptions { ReadOnly = true }));

        Assert.False(stream.CanWrite);
        Assert.Throws<NotSupportedException>(() => stream.Write(new byte[1]));
    }

    [Fact]
    public async Task Options_NeedingMoreThanThePool_AreEnomem()
    {
        string path = await WriteFileAsync("pool", TestPattern.Make(4096, seed: 19));
        await using var file = DirectFile.Open(path, new DirectFileOptions { BufferPoolBytes = 1 << 20, HugePagePool = false });

        var e = Assert.Throws<DirectIoException>(() => new DirectFileStream(file, leaveOpen: true));

        Assert.Equal(Errno.ENOMEM, e.Errno);
    }

    private static async Task RunModelAsync(string path, IoEngine engine, int initial, (int Kind, int A, int B)[] operations)
    {
        byte[] start = TestPattern.Make(initial, seed: initial & 0xff);
        await File.WriteAllBytesAsync(path, start);
        var model = new MemoryStream();
        model.Write(start);
        model.Position = 0;
        var options = new DirectFileOptions { Engine = engine, BufferPoolBytes = 1 << 20, HugePagePool = false, QueueDepth = 8 };
        await using (var stream = new DirectFileStream(DirectFile.Open(path, options), s_small))
        {
            int seed = 1;
            foreach ((int kind, int a, int b) in operations)
            {
                await ApplyAsync(stream, model, kind, a, b == 1, seed++);
                Assert.Equal(model.Length, stream.Length);
                Assert.Equal(model.Position, stream.Position);
            }
        }
        byte[] onDisk = await File.ReadAllBytesAsync(path);
        TestPattern.AssertBytes(model.ToArray(), onDisk);
    }

    private static async Task ApplyAsync(DirectFileStream stream, MemoryStream model, int kind, int a, bool async, int seed)
    {
        switch (kind)
        {
            case 0:
            case 1:
                byte[] data = TestPattern.Make(a, seed: seed);
                model.Write(data);
                if (async)
                {
                    await stream.WriteAsync(data);
                }
                else
                {
                    stream.Write(data);
                }
                break;
            case 2:
                byte[] got = new byte[a];
                int n = async ? await stream.ReadAsync(got) : stream.Read(got);
                byte[] expected = new byte[n];
                Assert.Equal(n, model.Read(expected));
                Assert.True(n > 0 || a == 0 || model.Position >= model.Length, $"read 0 bytes at {model.Position} of {model.Length}");
                TestPattern.AssertBytes(expected, got.AsSpan(0, n));
                break;
            case 3:
                long target = a % (model.Length + 5000);
                model.Position = target;
                stream.Seek(target - stream.Position, SeekOrigin.Current);
                break;
            case 4:
                long length = a % (model.Length + 5000);
                model.SetLength(length);
                stream.SetLength(length);
                break;
            case 5:
                if (async)
                {
                    await stream.FlushAsync();
                }
                else
                {
                    stream.Flush();
                }
                break;
            default:
                Assert.Equal(model.ReadByte(), stream.ReadByte());
                break;
        }
    }

    private async Task<string> WriteFileAsync(string name, byte[] content)
    {
        string path = Path.Combine(_dir, name);
        await File.WriteAllBytesAsync(path, content);
        return path;
    }

    public new void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        base.Dispose();
    }
}
