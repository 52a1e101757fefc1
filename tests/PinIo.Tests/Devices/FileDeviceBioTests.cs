using PinIo.Block;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary>FileDevice as an IBlockDevice: raw bios of pool pages on both engines, below DirectIo.</summary>
public sealed class FileDeviceBioTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task AReadBioAcrossTheEndOfTheFile_EndsOk_WithZeroesFromTheEnd(IoEngine engine)
    {
        const int Size = 10000;
        byte[] content = FileWorkload.Data(Size, seed: 12);
        File.WriteAllBytes(_dir.File("f"), content);
        using FileDevice device = FileDevice.Open(_dir.File("f"), new FileDeviceOptions { Engine = engine });
        using var bios = new FileBios(device);
        var across = bios.Page(fill: 0xA5);
        var past = bios.Page(fill: 0xA5);

        Bio a = await bios.SubmitAsync(bios.Make(BioOp.Read, 8192, (across, 0, 4096)));
        Bio b = await bios.SubmitAsync(bios.Make(BioOp.Read, 12288, (past, 0, 4096)));

        Assert.Equal(BlkStatus.Ok, a.Status);
        Assert.Equal(BlkStatus.Ok, b.Status);
        FileModel.AssertSame(content.AsSpan(8192), across.AsSpan()[..(Size - 8192)], 8192, "bio across the end");
        Assert.True(across.AsSpan()[(Size - 8192)..].IndexOfAnyExcept((byte)0) < 0, "the bio's bytes past the end of the file are not zero");
        Assert.True(past.AsSpan().IndexOfAnyExcept((byte)0) < 0, "a bio wholly past the end of the file is not zero");
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task ABioOfScatteredPieces_WritesAndReadsThemInOrder(IoEngine engine)
    {
        using FileDevice device = FileDevice.Open(_dir.File("f"), new FileDeviceOptions { Engine = engine, Create = true });
        using var bios = new FileBios(device);
        byte[] data = FileWorkload.Data(4096 + 1024 + 2560, seed: 13);
        // Three pieces on pages that are not adjacent, at odd (512-aligned) places in them.
        var pages = Enumerable.Range(0, 6).Select(_ => bios.Page()).ToArray();
        (global::PinIo.Mm.Page, int, int)[] source = [(pages[0], 0, 4096), (pages[2], 512, 1024), (pages[4], 1536, 2560)];
        int at = 0;
        foreach ((global::PinIo.Mm.Page page, int offset, int length) in source)
        {
            data.AsSpan(at, length).CopyTo(page.AsSpan()[offset..]);
            at += length;
        }
        var back = Enumerable.Range(0, 5).Select(_ => bios.Page(fill: 0xA5)).ToArray();

        Bio write = await bios.SubmitAsync(bios.Make(BioOp.Write, 4096, source));
        Bio read = await bios.SubmitAsync(bios.Make(BioOp.Read, 4096, (back[0], 3584, 512), (back[2], 0, 4096), (back[4], 1024, 3072)));

        Assert.Equal(BlkStatus.Ok, write.Status);
        Assert.Equal(BlkStatus.Ok, read.Status);
        byte[] gathered = [.. back[0].AsSpan()[3584..].ToArray(), .. back[2].AsSpan().ToArray(), .. back[4].AsSpan()[1024..].ToArray()];
        FileModel.AssertSame(data, gathered, 4096, "scattered bio");
        Assert.Equal(4096 + data.Length, device.Capacity);
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task AWriteBioOnAReadOnlyDevice_OrAnyBioAfterDispose_EndsWithEbadf(IoEngine engine)
    {
        File.WriteAllBytes(_dir.File("f"), new byte[8192]);
        FileDevice readOnly = FileDevice.Open(_dir.File("f"), new FileDeviceOptions { Engine = engine, ReadOnly = true });
        using var bios = new FileBios(readOnly);

        Bio write = await bios.SubmitAsync(bios.Make(BioOp.Write, 0, (bios.Page(), 0, 4096)));
        Bio read = await bios.SubmitAsync(bios.Make(BioOp.Read, 0, (bios.Page(), 0, 4096)));
        readOnly.Dispose();
        using var own = new global::PinIo.Mm.PagePool(1);
        global::PinIo.Mm.Page page = own.Alloc();
        var late = new Bio(BioOp.Read, 0, readOnly.Limits);
        Assert.True(late.AddPage(page, 4096, 0));
        Bio readAfter = await FileBios.SubmitAsync(readOnly, late);
        Bio flushAfter = await FileBios.SubmitAsync(readOnly, new Bio(BioOp.Flush, 0, readOnly.Limits));
        page.Put();

        Assert.Equal((BlkStatus.IoError, Errno.EBADF), (write.Status, write.Error));
        Assert.Equal(BlkStatus.Ok, read.Status);
        Assert.Equal((BlkStatus.IoError, Errno.EBADF), (readAfter.Status, readAfter.Error));
        Assert.Equal((BlkStatus.IoError, Errno.EBADF), (flushAfter.Status, flushAfter.Error));
        Assert.Equal(8192, new FileInfo(_dir.File("f")).Length);
    }

    [Theory]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.Libaio)]
    public async Task ManyBiosAtOnce_EachEndsExactlyOnce_AndAFlushAmongThemEndsOk(IoEngine engine)
    {
        using FileDevice device = FileDevice.Open(_dir.File("f"), new FileDeviceOptions { Engine = engine, Create = true, QueueDepth = 8 });
        using var bios = new FileBios(device);
        var pending = new List<Task<Bio>>();
        for (int i = 0; i < 256; i++)
        {
            pending.Add(bios.SubmitAsync(i % 32 == 31
                ? new Bio(BioOp.Flush, 0, device.Limits)
                : bios.Make(i % 2 == 0 ? BioOp.Write : BioOp.Read, (i / 2) * 4096L, (bios.Page(), 0, 4096))));
        }

        Bio[] ended = await Task.WhenAll(pending);

        Assert.All(ended, b => Assert.Equal(BlkStatus.Ok, b.Status));
    }

    [Theory]
    [InlineData(IoEngine.Sync)]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Libaio)]
    public async Task DisposeWithBiosQueued_EndsEveryOneBeforeItReturns(IoEngine engine)
    {
        FileDevice device = FileDevice.Open(_dir.File("f"), new FileDeviceOptions { Engine = engine, Create = true, SyncWorkers = 1, QueueDepth = 4 });
        using var bios = new FileBios(device);
        int ended = 0;
        var results = new TaskCompletionSource<Bio>[64];
        for (int i = 0; i < results.Length; i++)
        {
            var result = results[i] = new TaskCompletionSource<Bio>(TaskCreationOptions.RunContinuationsAsynchronously);
            Bio bio = bios.Make(BioOp.Write, i * 65536L, (bios.Page(), 0, 4096));
            bio.EndIo = b =>
            {
                Interlocked.Increment(ref ended);
                result.SetResult(b);
            };
            device.Submit(bio);
        }

        device.Dispose();

        Assert.Equal(results.Length, Volatile.Read(ref ended));
        Bio[] all = await Task.WhenAll(results.Select(r => r.Task));
        Assert.All(all, b => Assert.Equal(BlkStatus.Ok, b.Status));
        Assert.Equal((results.Length - 1) * 65536L + 4096, new FileInfo(_dir.File("f")).Length);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
