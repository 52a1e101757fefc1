using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// Requests that end part way: a device error in one bio, the end of the device, cancellation
/// during submission. The result is the bytes before the first failure in file order, an error
/// only when there are none, and the iterator has advanced by exactly the result.
/// </summary>
public sealed class DirectIoPartialTests : PinBalancedTest
{
    private const long DiskBytes = 1 << 20;
    private const int BioBytes = 16 * 1024;
    private const int RequestBytes = 6 * BioBytes;
    private const long Offset = 64 * 1024;

    private static readonly QueueLimits s_limits = new() { MaxSectorsBytes = BioBytes };

    [Theory]
    [InlineData(RamDiskCompletion.Inline, 1)]
    [InlineData(RamDiskCompletion.Worker, 1)]
    [InlineData(RamDiskCompletion.Inline, 3)]
    [InlineData(RamDiskCompletion.Worker, 3)]
    [InlineData(RamDiskCompletion.Inline, 5)]
    [InlineData(RamDiskCompletion.Worker, 5)]
    public async Task DeviceErrorInTheMiddleReturnsTheBytesBeforeTheFailingBio(RamDiskCompletion completion, int failingBio)
    {
        using RamDisk disk = Disk(completion);
        byte[] data = DioPathTests.Pattern(RequestBytes, seed: 10);
        disk.WriteRaw(Offset, data);
        disk.FaultInjector = FailAt(failingBio, BlkStatus.IoError);
        Memory<byte> buffer = BlockMemory.Aligned(RequestBytes);
        IovIter iter = IovIter.User(IterDirection.Dest, buffer);

        long read = await DirectIo.ReadAsync(disk, Offset, iter);

        long before = failingBio * BioBytes;
        Assert.Equal(before, read);
        Assert.Equal(RequestBytes - before, iter.Count);
        Assert.Equal(before, iter.Consumed);
        DioAssert.SameBytes(data.AsSpan(0, (int)before), buffer.Span[..(int)before], "bytes before the failed bio");
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task WriteFailingInTheMiddleReportsTheBytesBeforeAndAdvancesByThem(RamDiskCompletion completion)
    {
        using RamDisk disk = Disk(completion);
        disk.FaultInjector = FailAt(2, BlkStatus.IoError);
        IovIter iter = IovIter.Kernel(IterDirection.Source, [new KernelVec(Native(RequestBytes), RequestBytes)]);

        long written = await DirectIo.WriteAsync(disk, Offset, iter);

        Assert.Equal(2 * BioBytes, written);
        Assert.Equal(RequestBytes - (2 * BioBytes), iter.Count);
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline, BlkStatus.IoError, Errno.EIO)]
    [InlineData(RamDiskCompletion.Worker, BlkStatus.IoError, Errno.EIO)]
    [InlineData(RamDiskCompletion.Inline, BlkStatus.NoSpace, Errno.ENOSPC)]
    [InlineData(RamDiskCompletion.Worker, BlkStatus.NoSpace, Errno.ENOSPC)]
    [InlineData(RamDiskCompletion.Inline, BlkStatus.NotSupported, Errno.EOPNOTSUPP)]
    public async Task FailureOfTheFirstBioThrowsItsErrno(RamDiskCompletion completion, BlkStatus status, Errno errno)
    {
        using RamDisk disk = Disk(completion);
        disk.FaultInjector = FailAt(0, status);
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(RequestBytes));

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await DirectIo.ReadAsync(disk, Offset, iter));

        Assert.Equal(errno, e.Errno);
        Assert.Equal(RequestBytes, iter.Count);
        Assert.Equal(6, disk.BiosSubmitted);
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline, BlkStatus.NoSpace, BlkStatus.IoError, Errno.ENOSPC)]
    [InlineData(RamDiskCompletion.Worker, BlkStatus.NoSpace, BlkStatus.IoError, Errno.ENOSPC)]
    [InlineData(RamDiskCompletion.Inline, BlkStatus.IoError, BlkStatus.NoSpace, Errno.EIO)]
    [InlineData(RamDiskCompletion.Worker, BlkStatus.IoError, BlkStatus.NoSpace, Errno.EIO)]
    public async Task OfTwoFailuresTheEarliestInFileOrderDecides(RamDiskCompletion completion, BlkStatus first, BlkStatus later, Errno errno)
    {
        using RamDisk disk = Disk(completion);
        disk.FaultInjector = b => ((b.Position - Offset) / BioBytes) switch { 0 => first, 4 => later, _ => BlkStatus.Ok };
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(RequestBytes));

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await DirectIo.ReadAsync(disk, Offset, iter));

        Assert.Equal(errno, e.Errno);
    }

    [Fact]
    public async Task OfTwoFailuresTheEarliestDecidesEvenWhenItCompletesLast()
    {
        var device = new BlockManualDevice(DiskBytes, s_limits);
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(RequestBytes));
        ValueTask<long> pending = DirectIo.ReadAsync(device, Offset, iter);

        device.CompleteLastFirst(i => i switch { 1 => BlkStatus.NoSpace, 4 => BlkStatus.IoError, _ => BlkStatus.Ok });

        Assert.Equal(BioBytes, await pending);
        Assert.Equal(RequestBytes - BioBytes, iter.Count);
    }

    [Fact]
    public async Task FirstBioFailingLastGivesItsErrnoAfterLaterBiosFailedDifferently()
    {
        var device = new BlockManualDevice(DiskBytes, s_limits);
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(RequestBytes));
        ValueTask<long> pending = DirectIo.ReadAsync(device, Offset, iter);

        device.CompleteLastFirst(i => i switch { 0 => BlkStatus.NoSpace, _ => BlkStatus.IoError });

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await pending);
        Assert.Equal(Errno.ENOSPC, e.Errno);
        Assert.Equal(RequestBytes, iter.Count);
    }

    /// <summary>
    /// With 4 KiB blocks and two segments a bio, a block-sized buffer fills the first bio but the
    /// 512-byte pieces after it cannot make a block: submission stops there with EINVAL.
    /// </summary>
    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task SegmentsTooSmallForABlockPartWayReturnTheBytesBefore(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = completion, Limits = new QueueLimits { LogicalBlockSize = 4096, MaxSegments = 2 } });
        Memory<byte> spread = BlockMemory.Aligned(16 * 1024);
        Memory<byte>[] pieces = [BlockMemory.Aligned(4096), .. Enumerable.Range(0, 8).Select(i => spread.Slice(i * 2048, 512))];
        IovIter iter = IovIter.User(IterDirection.Source, pieces);

        long written = await DirectIo.WriteAsync(disk, 0, iter);

        Assert.Equal(4096, written);
        Assert.Equal(4096, iter.Count);
        Assert.Equal(1, disk.BiosSubmitted);
    }

    [Fact]
    public async Task SegmentsTooSmallForABlockAtTheStartFailWithEinval()
    {
        using var disk = new RamDisk(DiskBytes, new QueueLimits { LogicalBlockSize = 4096, MaxSegments = 2 });
        Memory<byte> spread = BlockMemory.Aligned(16 * 1024);
        IovIter iter = IovIter.User(IterDirection.Source, [.. Enumerable.Range(0, 8).Select(i => spread.Slice(i * 2048, 512))]);

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await DirectIo.WriteAsync(disk, 0, iter));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal(4096, iter.Count);
        Assert.Equal(0, disk.BiosSubmitted);
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task ReadCrossingTheEndOfTheDeviceIsShort(RamDiskCompletion completion)
    {
        using RamDisk disk = Disk(completion);
        byte[] data = DioPathTests.Pattern(3 * 4096, seed: 11);
        disk.WriteRaw(DiskBytes - data.Length, data);
        BlockBioRecorder recorder = BlockBioRecorder.Attach(disk);
        Memory<byte> buffer = BlockMemory.Aligned(RequestBytes);
        IovIter iter = IovIter.User(IterDirection.Dest, buffer);

        long read = await DirectIo.ReadAsync(disk, DiskBytes - data.Length, iter);

        Assert.Equal(data.Length, read);
        Assert.Equal(RequestBytes - data.Length, iter.Count);
        Assert.All(recorder.Bios, b => Assert.True(b.End <= DiskBytes, $"bio ends at {b.End}, past the device"));
        DioAssert.SameBytes(data, buffer.Span[..data.Length], "buffer after a short read");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4096)]
    public async Task ReadAtOrPastTheEndOfTheDeviceReturnsZeroAndLeavesTheIteratorWhole(long pastEnd)
    {
        using RamDisk disk = Disk(RamDiskCompletion.Inline);
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(8192));

        long read = await DirectIo.ReadAsync(disk, DiskBytes + pastEnd, iter);

        Assert.Equal(0, read);
        Assert.Equal(8192, iter.Count);
        Assert.Equal(0, disk.BiosSubmitted);
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task WriteCrossingTheEndOfTheDeviceIsCutShort(RamDiskCompletion completion)
    {
        using RamDisk disk = Disk(completion);
        Memory<byte> buffer = BlockMemory.Aligned(5 * 4096);
        BlockMemory.FillPattern(buffer.Span, seed: 12);
        IovIter iter = IovIter.User(IterDirection.Source, buffer);

        long written = await DirectIo.WriteAsync(disk, DiskBytes - 8192, iter);

        Assert.Equal(8192, written);
        Assert.Equal(3 * 4096, iter.Count);
        byte[] back = new byte[8192];
        disk.ReadRaw(DiskBytes - 8192, back);
        DioAssert.SameBytes(buffer.Span[..8192], back, "end of the disk after a cut write");
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task CancellationDuringSubmissionReturnsWhatWasAlreadySubmitted(RamDiskCompletion completion)
    {
        using RamDisk disk = Disk(completion);
        byte[] data = DioPathTests.Pattern(RequestBytes, seed: 13);
        disk.WriteRaw(Offset, data);
        using var cts = new CancellationTokenSource();
        BlockBioRecorder recorder = BlockBioRecorder.Attach(disk, (_, index) =>
        {
            if (index == 1)
            {
                cts.Cancel();
            }
        });
        Memory<byte> buffer = BlockMemory.Aligned(RequestBytes);
        IovIter iter = IovIter.User(IterDirection.Dest, buffer);

        long read = await DirectIo.ReadAsync(disk, Offset, iter, cts.Token);

        Assert.Equal(2, recorder.Bios.Count);
        Assert.Equal(2 * BioBytes, read);
        Assert.Equal(RequestBytes - (2 * BioBytes), iter.Count);
        DioAssert.SameBytes(data.AsSpan(0, 2 * BioBytes), buffer.Span[..(2 * BioBytes)], "bytes read before the cancellation");
    }

    [Fact]
    public async Task CancellationDuringSubmissionStillReportsAnEarlierDeviceError()
    {
        using RamDisk disk = Disk(RamDiskCompletion.Inline);
        disk.FaultInjector = FailAt(0, BlkStatus.IoError);
        using var cts = new CancellationTokenSource();
        BlockBioRecorder.Attach(disk, (_, _) => cts.Cancel());
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(RequestBytes));

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await DirectIo.ReadAsync(disk, Offset, iter, cts.Token));

        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Equal(RequestBytes, iter.Count);
    }

    [Fact]
    public async Task DeviceThatThrowsFromSubmitEndsTheBioWithAnIoError()
    {
        using RamDisk disk = Disk(RamDiskCompletion.Inline);
        BlockBioRecorder.Attach(disk, (_, index) =>
        {
            if (index == 2)
            {
                throw new InvalidOperationException("a device bug");
            }
        });
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(RequestBytes));

        long read = await DirectIo.ReadAsync(disk, Offset, iter);

        Assert.Equal(2 * BioBytes, read);
        Assert.Equal(RequestBytes - (2 * BioBytes), iter.Count);
    }

    [Fact]
    public async Task FlushSucceeds()
    {
        using RamDisk disk = Disk(RamDiskCompletion.Worker);
        BlockBioRecorder recorder = BlockBioRecorder.Attach(disk);

        await DirectIo.FlushAsync(disk);

        BlockBioSnapshot flush = Assert.Single(recorder.Bios);
        Assert.Equal((BioOp.Flush, 0), (flush.Op, flush.Size));
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline, BlkStatus.IoError, Errno.EIO)]
    [InlineData(RamDiskCompletion.Worker, BlkStatus.NotSupported, Errno.EOPNOTSUPP)]
    public async Task FlushFailureSurfacesAsDirectIoException(RamDiskCompletion completion, BlkStatus status, Errno errno)
    {
        using RamDisk disk = Disk(completion);
        disk.FaultInjector = b => b.Op == BioOp.Flush ? status : BlkStatus.Ok;

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await DirectIo.FlushAsync(disk));

        Assert.Equal(errno, e.Errno);
    }

    [Fact]
    public async Task CanceledFlushFailsWithEcanceledAndSubmitsNothing()
    {
        using RamDisk disk = Disk(RamDiskCompletion.Inline);

        var e = await Assert.ThrowsAsync<DirectIoCanceledException>(async () => await DirectIo.FlushAsync(disk, new CancellationToken(canceled: true)));

        Assert.Equal(Errno.ECANCELED, e.Errno);
        Assert.True(e.CancellationToken.IsCancellationRequested);
        Assert.Equal(0, disk.BiosSubmitted);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _native?.Dispose();
        }
        base.Dispose(disposing);
    }

    private BlockNativeBuffer? _native;

    private nint Native(int length) => (_native = new BlockNativeBuffer(length)).Address;

    private static RamDisk Disk(RamDiskCompletion completion) =>
        new(DiskBytes, new RamDiskOptions { Limits = s_limits, Completion = completion });

    /// <summary>Fails the bio that starts <paramref name="index"/> bios into the request.</summary>
    private static Func<Bio, BlkStatus> FailAt(int index, BlkStatus status) =>
        b => b.Op != BioOp.Flush && b.Position == Offset + ((long)index * BioBytes) ? status : BlkStatus.Ok;
}
