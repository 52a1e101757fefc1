using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// Requests refused before any bio: misaligned offset, length or memory, a discard iterator, the
/// wrong direction, no space, cancellation. Each fails with its errno, pins nothing and leaves
/// the iterator as it was.
/// </summary>
public sealed class DirectIoValidationTests : PinBalancedTest
{
    private const long DiskBytes = 1 << 20;

    private readonly RamDisk _disk = new(DiskBytes, new QueueLimits { LogicalBlockSize = 4096 });

    [Theory]
    [InlineData(512)]
    [InlineData(4095)]
    [InlineData(-4096)]
    public async Task MisalignedOffsetFailsWithEinvalNamingTheLogicalBlockSize(long offset)
    {
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(4096));

        DirectIoException e = await AssertRefused(Errno.EINVAL, () => DirectIo.ReadAsync(_disk, offset, iter), iter);

        Assert.Contains($"offset {offset}", e.Message, StringComparison.Ordinal);
        Assert.Contains("logical block size 4096", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(4096 + 512)]
    [InlineData(100)]
    public async Task MisalignedLengthFailsWithEinvalNamingTheLogicalBlockSize(int length)
    {
        IovIter iter = IovIter.User(IterDirection.Source, BlockMemory.Aligned(length));

        DirectIoException e = await AssertRefused(Errno.EINVAL, () => DirectIo.WriteAsync(_disk, 0, iter), iter);

        Assert.Contains($"length {length}", e.Message, StringComparison.Ordinal);
        Assert.Contains("logical block size 4096", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(256)]
    [InlineData(1000)]
    public async Task MisalignedMemoryWithoutBouncingFailsWithEinvalNamingTheDmaAlignment(int misalignBy)
    {
        using var disk = new RamDisk(DiskBytes, new QueueLimits { DmaAlignment = 512 });
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(4096), BlockMemory.Aligned(4096, misalignBy: misalignBy));

        DirectIoException e = await AssertRefused(Errno.EINVAL, () => DirectIo.ReadAsync(disk, 0, iter), iter);

        Assert.Contains("DmaAlignment of 512", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, disk.BiosSubmitted);
    }

    [Fact]
    public async Task MisalignedMemoryFailureLeavesAnIteratorCutAtTheDeviceEndWhole()
    {
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(3 * 4096, misalignBy: 8));

        await AssertRefused(Errno.EINVAL, () => DirectIo.ReadAsync(_disk, DiskBytes - 4096, iter), iter);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DiscardIteratorFailsWithEfault(bool bounce)
    {
        IovIter iter = IovIter.Discard(8192);
        DirectIoFlags flags = bounce ? DirectIoFlags.BounceMisaligned : DirectIoFlags.None;

        await AssertRefused(Errno.EFAULT, () => DirectIo.ReadAsync(_disk, 0, iter, flags), iter);

        Assert.Equal(0, _disk.BiosSubmitted);
    }

    [Fact]
    public async Task ReadIntoASourceIteratorFailsWithEinval()
    {
        IovIter iter = IovIter.User(IterDirection.Source, BlockMemory.Aligned(4096));

        DirectIoException e = await AssertRefused(Errno.EINVAL, () => DirectIo.ReadAsync(_disk, 0, iter), iter);

        Assert.Contains("Dest", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteFromADestIteratorFailsWithEinval()
    {
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(4096));

        DirectIoException e = await AssertRefused(Errno.EINVAL, () => DirectIo.WriteAsync(_disk, 0, iter), iter);

        Assert.Contains("Source", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4096)]
    public async Task WriteAtOrPastTheEndOfTheDeviceFailsWithEnospc(long pastEnd)
    {
        IovIter iter = IovIter.User(IterDirection.Source, BlockMemory.Aligned(4096));

        await AssertRefused(Errno.ENOSPC, () => DirectIo.WriteAsync(_disk, DiskBytes + pastEnd, iter), iter);
    }

    [Fact]
    public async Task CancellationBeforeSubmitFailsWithEcanceled()
    {
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(8192));

        var token = new CancellationToken(canceled: true);

        DirectIoCanceledException e = await AssertCanceled(() => DirectIo.ReadAsync(_disk, 0, iter, token), iter);

        Assert.Equal(token, e.CancellationToken);
        Assert.Equal(0, _disk.BiosSubmitted);
    }

    [Fact]
    public async Task CancellationBeforeSubmitLeavesAnIteratorCutAtTheDeviceEndWhole()
    {
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(3 * 4096));

        await AssertCanceled(() => DirectIo.ReadAsync(_disk, DiskBytes - 4096, iter, new CancellationToken(canceled: true)), iter);
    }

    [Fact]
    public async Task EmptyRequestTransfersNothingAndSubmitsNoBio()
    {
        IovIter iter = IovIter.User(IterDirection.Dest, Memory<byte>.Empty);

        Assert.Equal(0, await DirectIo.ReadAsync(_disk, 0, iter));
        Assert.Equal(0, _disk.BiosSubmitted);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disk.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>The request is canceled (an OperationCanceledException saying ECANCELED), pins nothing, and leaves <paramref name="iter"/> untouched.</summary>
    private static async Task<DirectIoCanceledException> AssertCanceled(Func<ValueTask<long>> request, IovIter iter)
    {
        long count = iter.Count;
        long consumed = iter.Consumed;
        long acquired = PinStats.Acquired;

        DirectIoCanceledException e = await Assert.ThrowsAsync<DirectIoCanceledException>(async () => await request());

        Assert.Equal(Errno.ECANCELED, e.Errno);
        Assert.Equal(acquired, PinStats.Acquired);
        Assert.Equal((count, consumed), (iter.Count, iter.Consumed));
        return e;
    }

    /// <summary>The request fails with <paramref name="errno"/>, pins nothing, and leaves <paramref name="iter"/> untouched.</summary>
    private static async Task<DirectIoException> AssertRefused(Errno errno, Func<ValueTask<long>> request, IovIter iter)
    {
        long count = iter.Count;
        long consumed = iter.Consumed;
        long acquired = PinStats.Acquired;

        DirectIoException e = await Assert.ThrowsAsync<DirectIoException>(async () => await request());

        Assert.Equal(errno, e.Errno);
        Assert.Equal(acquired, PinStats.Acquired);
        Assert.Equal((count, consumed), (iter.Count, iter.Consumed));
        return e;
    }
}
