using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests;

/// <summary>
/// DirectFile.ReadToPipeAsync, fio's splice from a file into a pipe: a Direct I/O read into
/// the pipe's pages (each pinned for the read on top of the pipe's reference, ITER_PIPE), the
/// bytes then readable from the pipe as they are in the file; a read larger than the pipe's
/// free space is EAGAIN and pins nothing.
/// </summary>
public sealed class DirectFilePipeTests : PinBalancedTest, IDisposable
{
    private const int FileBytes = 1 << 20;

    private readonly string _dir = Directory.CreateTempSubdirectory("pinio-pipe-").FullName;

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    public async Task ReadToPipe_CarriesTheFilesBytes_PinningEachPipePageForTheRead(IoEngine engine)
    {
        string path = Path.Combine(_dir, "data");
        byte[] pattern = TestPattern.Make(FileBytes, seed: 11);
        await File.WriteAllBytesAsync(path, pattern);
        await using DirectFile file = DirectFile.Open(path, new DirectFileOptions { Engine = engine });
        using var pool = new PagePool(16);
        using var pipe = new PipeBuffer(pool, 16);
        long pinsBefore = PinStats.Acquired;

        long read = await file.ReadToPipeAsync(8192, pipe, 65536);

        Assert.Equal(65536, read);
        Assert.Equal(16, PinStats.Acquired - pinsBefore);
        var drained = new byte[65536];
        Assert.Equal(65536, pipe.Read(drained));
        Assert.Equal(pattern.AsSpan(8192, 65536).ToArray(), drained);
    }

    [Fact]
    public async Task ReadToPipe_MoreThanThePipeHolds_IsEagain()
    {
        string path = Path.Combine(_dir, "small");
        await File.WriteAllBytesAsync(path, TestPattern.Make(FileBytes, seed: 12));
        await using DirectFile file = DirectFile.Open(path);
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await file.ReadToPipeAsync(0, pipe, 5 * 4096));

        Assert.Equal(Errno.EAGAIN, e.Errno);
        Assert.Equal(0, pipe.Length);
    }

    public new void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        base.Dispose();
    }
}
