using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>DirectIoFlags.BounceMisaligned: memory that does not fit DmaAlignment is copied through pool pages, never pinned.</summary>
public sealed class DirectIoBounceTests : PinBalancedTest
{
    private const long DiskBytes = 2 << 20;

    [Theory]
    [InlineData(RamDiskCompletion.Inline, 8192)]
    [InlineData(RamDiskCompletion.Worker, 8192)]
    [InlineData(RamDiskCompletion.Inline, 600 * 1024)]
    [InlineData(RamDiskCompletion.Worker, 600 * 1024)]
    public async Task MisalignedReadBouncesAndDeliversTheData(RamDiskCompletion completion, int length)
    {
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = completion });
        byte[] data = new byte[length];
        BlockMemory.FillPattern(data, seed: 7);
        disk.WriteRaw(4096, data);
        Memory<byte> buffer = BlockMemory.Aligned(length, misalignBy: 3);
        IovIter iter = IovIter.User(IterDirection.Dest, buffer[..1001], buffer[1001..]);
        long acquired = PinStats.Acquired;

        long read = await DirectIo.ReadAsync(disk, 4096, iter, DirectIoFlags.BounceMisaligned);

        Assert.Equal(length, read);
        Assert.Equal(0, iter.Count);
        Assert.Equal(acquired, PinStats.Acquired);
        Assert.Equal(0, disk.LimitViolations);
        DioAssert.SameBytes(data, buffer.Span, "misaligned buffer after a bounced read");
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline, 8192)]
    [InlineData(RamDiskCompletion.Worker, 8192)]
    [InlineData(RamDiskCompletion.Inline, 600 * 1024)]
    [InlineData(RamDiskCompletion.Worker, 600 * 1024)]
    public async Task MisalignedWriteBouncesAndStoresTheData(RamDiskCompletion completion, int length)
    {
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = completion });
        Memory<byte> buffer = BlockMemory.Aligned(length, misalignBy: 5);
        BlockMemory.FillPattern(buffer.Span, seed: 8);
        IovIter iter = IovIter.User(IterDirection.Source, buffer[..777], buffer[777..]);
        long acquired = PinStats.Acquired;

        long written = await DirectIo.WriteAsync(disk, 8192, iter, DirectIoFlags.BounceMisaligned);

        Assert.Equal(length, written);
        Assert.Equal(0, iter.Count);
        Assert.Equal(acquired, PinStats.Acquired);
        byte[] back = new byte[length];
        disk.ReadRaw(8192, back);
        DioAssert.SameBytes(buffer.Span, back, "disk after a bounced write");
    }

    [Fact]
    public async Task BouncedReadCrossingTheEndIsShortAndAdvancesTheIteratorByWhatItRead()
    {
        using var disk = new RamDisk(DiskBytes);
        byte[] data = new byte[8192];
        BlockMemory.FillPattern(data, seed: 9);
        disk.WriteRaw(DiskBytes - 8192, data);
        Memory<byte> buffer = BlockMemory.Aligned(5 * 4096, misalignBy: 1);
        IovIter iter = IovIter.User(IterDirection.Dest, buffer);

        long read = await DirectIo.ReadAsync(disk, DiskBytes - 8192, iter, DirectIoFlags.BounceMisaligned);

        Assert.Equal(8192, read);
        Assert.Equal(buffer.Length - 8192, iter.Count);
        DioAssert.SameBytes(data, buffer.Span[..8192], "buffer after a short bounced read");
    }

    [Theory]
    [InlineData(BioOp.Read)]
    [InlineData(BioOp.Write)]
    public async Task BouncedRequestThatFailsFirstThrowsAndLeavesTheIteratorWhole(BioOp op)
    {
        using var disk = new RamDisk(DiskBytes) { FaultInjector = _ => BlkStatus.IoError };
        Memory<byte> buffer = BlockMemory.Aligned(16384, misalignBy: 1);
        IovIter iter = IovIter.User(op == BioOp.Read ? IterDirection.Dest : IterDirection.Source, buffer);

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await Bounced(disk, op, iter));

        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Equal(buffer.Length, iter.Count);
    }

    [Theory]
    [InlineData(BioOp.Read)]
    [InlineData(BioOp.Write)]
    public async Task BouncedRequestThatFailsInItsSecondRoundReportsTheFirstRound(BioOp op)
    {
        int round = DirectIo.BounceChunkBytes;
        using var disk = new RamDisk(DiskBytes) { FaultInjector = b => b.Position >= round ? BlkStatus.IoError : BlkStatus.Ok };
        Memory<byte> buffer = BlockMemory.Aligned(2 * round, misalignBy: 1);
        IovIter iter = IovIter.User(op == BioOp.Read ? IterDirection.Dest : IterDirection.Source, buffer);

        long done = await Bounced(disk, op, iter);

        Assert.Equal(round, done);
        Assert.Equal(buffer.Length - round, iter.Count);
    }

    private static ValueTask<long> Bounced(RamDisk disk, BioOp op, IovIter iter) => op == BioOp.Read
        ? DirectIo.ReadAsync(disk, 0, iter, DirectIoFlags.BounceMisaligned)
        : DirectIo.WriteAsync(disk, 0, iter, DirectIoFlags.BounceMisaligned);
}
