using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// DirectIo.Start, the request with a kiocb's completion instead of a ValueTask: a request in
/// flight reports once, to its completion, with the same result a ValueTask would carry (the
/// bytes before the first failure, or the failure); one that ended in the call reports through
/// the call and never to the completion; a refused one throws before any bio. Pins balance on
/// every path (the base class checks).
/// </summary>
public sealed class DirectIoStartTests : PinBalancedTest
{
    private const long DiskBytes = 1 << 20;
    private const int BioBytes = 16 * 1024;
    private const int RequestBytes = 4 * BioBytes;
    private const long Offset = 64 * 1024;

    private static readonly QueueLimits s_limits = new() { MaxSectorsBytes = BioBytes };

    [Fact]
    public void InFlight_TheCompletionGetsTheBytesOnce_AndTheIteratorHasAdvancedByThem()
    {
        using RamDisk disk = Disk(RamDiskCompletion.Worker);
        byte[] data = DioPathTests.Pattern(RequestBytes, seed: 21);
        disk.WriteRaw(Offset, data);
        Memory<byte> buffer = BlockMemory.Aligned(RequestBytes);
        IovIter iter = IovIter.User(IterDirection.Dest, buffer);
        using var done = new RecordingCompletion();

        bool ended = DirectIo.Start(disk, BioOp.Read, Offset, iter, default, done, out long result, out Exception? error);

        (long bytes, Exception? failure) = ended ? (result, error) : done.Wait();
        Assert.Equal(RequestBytes, bytes);
        Assert.Null(failure);
        Assert.Equal(ended ? 0 : 1, done.Calls);
        Assert.Equal(RequestBytes, iter.Consumed);
        DioAssert.SameBytes(data, buffer.Span, "bytes read through Start");
    }

    [Fact]
    public void EndedInTheCall_ReportsThroughTheCall_NeverToTheCompletion()
    {
        using RamDisk disk = Disk(RamDiskCompletion.Inline);
        using var done = new RecordingCompletion();
        IovIter iter = IovIter.User(IterDirection.Source, BlockMemory.Aligned(RequestBytes));

        bool ended = DirectIo.Start(disk, BioOp.Write, Offset, iter, default, done, out long result, out Exception? error);

        Assert.True(ended);
        Assert.Equal(RequestBytes, result);
        Assert.Null(error);
        Assert.Equal(0, done.Calls);
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public void AFailedBioInTheMiddle_ReportsTheBytesBeforeIt(RamDiskCompletion completion)
    {
        using RamDisk disk = Disk(completion);
        disk.FaultInjector = b => b.Position == Offset + (2L * BioBytes) ? BlkStatus.IoError : BlkStatus.Ok;
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(RequestBytes));
        using var done = new RecordingCompletion();

        bool ended = DirectIo.Start(disk, BioOp.Read, Offset, iter, default, done, out long result, out Exception? error);

        (long bytes, Exception? failure) = ended ? (result, error) : done.Wait();
        Assert.Equal(2 * BioBytes, bytes);
        Assert.Null(failure);
        Assert.Equal(2 * BioBytes, iter.Consumed);
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public void AFailedFirstBio_ReportsItsErrno_AndNoBytes(RamDiskCompletion completion)
    {
        using RamDisk disk = Disk(completion);
        disk.FaultInjector = b => b.Position == Offset ? BlkStatus.NoSpace : BlkStatus.Ok;
        IovIter iter = IovIter.User(IterDirection.Source, BlockMemory.Aligned(RequestBytes));
        using var done = new RecordingCompletion();

        bool ended = DirectIo.Start(disk, BioOp.Write, Offset, iter, default, done, out long result, out Exception? error);

        (long bytes, Exception? failure) = ended ? (result, error) : done.Wait();
        Assert.Equal(0, bytes);
        Assert.Equal(Errno.ENOSPC, Assert.IsType<DirectIoException>(failure).Errno);
        Assert.Equal(RequestBytes, iter.Count);
    }

    [Fact]
    public void MisalignedMemory_Throws_BeforeAnyBio_AndTheCompletionIsNeverCalled()
    {
        using var disk = new BlockManualDevice(DiskBytes, s_limits);
        Memory<byte> misaligned = BlockMemory.Aligned(RequestBytes + 512)[1..(RequestBytes + 1)];
        IovIter iter = IovIter.User(IterDirection.Dest, misaligned);
        using var done = new RecordingCompletion();

        var e = Assert.Throws<DirectIoException>(() => DirectIo.Start(disk, BioOp.Read, Offset, iter, default, done, out _, out _));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal(0, disk.Submitted);
        Assert.Equal(0, done.Calls);
        Assert.Equal(RequestBytes, iter.Count);
    }

    [Fact]
    public void AtTheEndOfTheDevice_EndsInTheCallWithNothing()
    {
        using var disk = new BlockManualDevice(DiskBytes, s_limits);
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(RequestBytes));
        using var done = new RecordingCompletion();

        bool ended = DirectIo.Start(disk, BioOp.Read, DiskBytes, iter, default, done, out long result, out Exception? error);

        Assert.True(ended);
        Assert.Equal(0, result);
        Assert.Null(error);
        Assert.Equal(0, disk.Submitted);
        Assert.Equal(RequestBytes, iter.Count);
    }

    [Fact]
    public void BiosEndedOutOfOrder_TheCompletionRunsOnceTheLastHasEnded()
    {
        using var disk = new BlockManualDevice(DiskBytes, s_limits);
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(RequestBytes));
        using var done = new RecordingCompletion();

        bool ended = DirectIo.Start(disk, BioOp.Read, Offset, iter, default, done, out _, out _);

        Assert.False(ended);
        Assert.Equal(RequestBytes / BioBytes, disk.Submitted);
        Assert.Equal(0, done.Calls);
        disk.CompleteLastFirst(_ => BlkStatus.Ok);
        Assert.Equal(1, done.Calls);
        Assert.Equal((RequestBytes, (Exception?)null), done.Wait());
    }

    /// <summary>
    /// A completion's requests run on the request it carries (io_uring's io_kiocb embeds its
    /// kiocb), never on one from the shared cache: each request, one that ends in the call and
    /// one that ends on the device's thread, is the one its completion names.
    /// </summary>
    [Fact]
    public void ACompletion_RunsEachRequestOnTheRequestItCarries()
    {
        using RamDisk inline = Disk(RamDiskCompletion.Inline);
        using RamDisk worker = Disk(RamDiskCompletion.Worker);
        using var done = new RecordingCompletion();
        Memory<byte> buffer = BlockMemory.Aligned(RequestBytes);

        Assert.True(DirectIo.Start(inline, BioOp.Read, Offset, IovIter.User(IterDirection.Dest, buffer), default, done, out long first, out _));
        (BioOp, long) firstRequest = (done.Request.Op, done.Request.Offset);
        bool ended = DirectIo.Start(worker, BioOp.Write, Offset + RequestBytes, IovIter.User(IterDirection.Source, buffer), default, done, out long second, out _);
        (BioOp, long) secondRequest = (done.Request.Op, done.Request.Offset);
        if (!ended)
        {
            second = done.Wait().Result;
        }

        Assert.Equal((BioOp.Read, Offset), firstRequest);
        Assert.Equal((BioOp.Write, Offset + RequestBytes), secondRequest);
        Assert.Equal(RequestBytes, first);
        Assert.Equal(RequestBytes, second);
    }

    /// <summary>
    /// A completion carries one request at a time: a second Start while its request is in flight
    /// is refused before any bio or pin, and the first still ends, once, with its bytes.
    /// </summary>
    [Fact]
    public void ASecondRequest_OnACompletionWhoseRequestIsInFlight_IsRefused_AndTheFirstStillEnds()
    {
        using var disk = new BlockManualDevice(DiskBytes, s_limits);
        using var done = new RecordingCompletion();
        Assert.False(DirectIo.Start(disk, BioOp.Read, Offset, IovIter.User(IterDirection.Dest, BlockMemory.Aligned(RequestBytes)), default, done, out _, out _));
        int submitted = disk.Submitted;

        var refused = Assert.Throws<InvalidOperationException>(() =>
            DirectIo.Start(disk, BioOp.Read, Offset, IovIter.User(IterDirection.Dest, BlockMemory.Aligned(RequestBytes)), default, done, out _, out _));

        Assert.Contains("one request at a time", refused.Message, StringComparison.Ordinal);
        Assert.Equal(submitted, disk.Submitted);
        disk.CompleteLastFirst(_ => BlkStatus.Ok);
        Assert.Equal(1, done.Calls);
        Assert.Equal((RequestBytes, (Exception?)null), done.Wait());
    }

    private static RamDisk Disk(RamDiskCompletion completion) =>
        new(DiskBytes, new RamDiskOptions { Limits = s_limits, Completion = completion });

    /// <summary>Counts its calls and keeps the last result; Wait blocks until the first.</summary>
    private sealed class RecordingCompletion : DioCompletion, IDisposable
    {
        private readonly ManualResetEventSlim _called = new();
        private long _result;
        private Exception? _error;
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override void Complete(long result, Exception? error)
        {
            _result = result;
            _error = error;
            Interlocked.Increment(ref _calls);
            _called.Set();
        }

        public (long Result, Exception? Error) Wait()
        {
            Assert.True(_called.Wait(TimeSpan.FromSeconds(10)), "the completion was never called");
            return (_result, _error);
        }

        public void Dispose() => _called.Dispose();
    }
}
