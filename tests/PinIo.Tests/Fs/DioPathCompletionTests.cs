using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// When a write's end_io runs and what it is told, on both paths: after every data bio has
/// ended (completions held with the RAM disk, looked at in between), once per request, with
/// the bytes before the first failure — and a failure inside a new or unwritten block
/// converts nothing of that block.
/// </summary>
public sealed class DioPathCompletionTests : PinBalancedTest
{
    private const int Block = 4096;

    private RamDisk _disk = DioPathTests.NewDisk();

    public static TheoryData<DioPath> Paths() => [DioPath.Iomap, DioPath.Legacy];

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task ConversionAndSizeUpdateHappenAfterTheDataIoCompletesOncePerRequest(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block) { BiosInFlight = () => _disk.InFlight };
        byte[] data = DioPathTests.Pattern((2 * Block) + 512, 1);
        byte[]? deviceAtEndIo = null;
        inode.OnEndIo = _ =>
        {
            deviceAtEndIo = new byte[data.Length];
            _disk.ReadRaw(inode.DeviceOffsetOf(0), deviceAtEndIo);
        };
        Task<long> write;
        bool endIoWhileHeld, unwrittenWhileHeld;
        long sizeWhileHeld;
        using (_disk.HoldCompletions())
        {
            write = path.WriteAsync(inode, 0, IovIter.User(IterDirection.Source, DioPathTests.Aligned(data))).AsTask();
            Assert.True(SpinWait.SpinUntil(() => _disk.InFlight > 0 || write.IsCompleted, TimeSpan.FromSeconds(30)), "the write never put a bio in flight");
            endIoWhileHeld = inode.EndIoCalls.Count > 0;
            unwrittenWhileHeld = inode.IsUnwritten(0) && inode.IsUnwritten(2 * Block);
            sizeWhileHeld = inode.Size;
            Assert.False(write.IsCompleted, "the write completed while its bios were held");
        }
        long written = await write;

        Assert.False(endIoWhileHeld, "end_io ran while data bios were in flight");
        Assert.True(unwrittenWhileHeld, "blocks were converted before their data was on the device");
        Assert.Equal(0, sizeWhileHeld);
        Assert.Equal(data.Length, written);
        Assert.Equal(new DioEndIoCall(0, data.Length, Unwritten: true, BiosInFlight: 0), Assert.Single(inode.EndIoCalls));
        Assert.Equal(data, deviceAtEndIo);
        Assert.False(inode.IsUnwritten(0));
        Assert.False(inode.IsUnwritten(2 * Block));
        Assert.Equal(data.Length, inode.Size);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task OverwriteOfMappedBlocksCallsEndIoOnceWithoutConversion(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block);
        inode.Allocate(0, 2 * Block, unwritten: false);

        long written = await path.WriteAsync(inode, 0, IovIter.User(IterDirection.Source, DioPathTests.Aligned(DioPathTests.Pattern(2 * Block, 2))));

        Assert.Equal(2 * Block, written);
        Assert.Equal(new DioEndIoCall(0, 2 * Block, Unwritten: false, BiosInFlight: 0), Assert.Single(inode.EndIoCalls));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task PartialFailureReportsAndConvertsOnlyTheBytesBeforeTheFirstFailedBio(DioPath path)
    {
        UseDisk(new QueueLimits { LogicalBlockSize = 512, MaxSectorsBytes = Block });
        var inode = new MemoryInode(_disk, Block);
        long failAt = 2 * Block;
        _disk.FaultInjector = bio => bio.Op == BioOp.Write && bio.Position == failAt ? BlkStatus.IoError : BlkStatus.Ok;
        byte[] data = DioPathTests.Pattern(4 * Block, 3);
        IovIter iter = IovIter.User(IterDirection.Source, DioPathTests.Aligned(data));

        long written = await path.WriteAsync(inode, 0, iter);
        _disk.FaultInjector = null;

        Assert.Equal(2 * Block, written);
        Assert.Equal(2 * Block, iter.Count);
        Assert.Equal(new DioEndIoCall(0, 2 * Block, Unwritten: true, BiosInFlight: 0), Assert.Single(inode.EndIoCalls));
        Assert.False(inode.IsUnwritten(Block));
        Assert.True(inode.IsUnwritten(2 * Block));
        Assert.True(inode.IsUnwritten(3 * Block));
        Assert.Equal(2 * Block, inode.Size);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task FailureInsideANewBlockConvertsNothingOfThatBlock(DioPath path)
    {
        const int bigBlock = 4 * Block;
        UseDisk(new QueueLimits { LogicalBlockSize = 512, MaxSectorsBytes = Block });
        var inode = new MemoryInode(_disk, bigBlock);
        _disk.FaultInjector = bio => bio.Op == BioOp.Write && bio.Position == 2 * Block ? BlkStatus.IoError : BlkStatus.Ok;
        IovIter iter = IovIter.User(IterDirection.Source, DioPathTests.Aligned(DioPathTests.Pattern(bigBlock, 4)));

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await path.WriteAsync(inode, 0, iter));
        _disk.FaultInjector = null;
        inode.Size = bigBlock;
        Memory<byte> back = BlockMemory.Aligned(bigBlock);
        await path.ReadAsync(inode, 0, IovIter.User(IterDirection.Dest, back));

        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Equal(bigBlock, iter.Count);
        Assert.Equal(new DioEndIoCall(0, 0, Unwritten: true, BiosInFlight: 0), Assert.Single(inode.EndIoCalls));
        Assert.True(inode.IsUnwritten(0));
        Assert.True(back.Span.IndexOfAnyExcept((byte)0) < 0, "a block whose write failed part way was converted");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task ReadFailingPartWayReportsTheBytesBeforeTheFailure(DioPath path)
    {
        UseDisk(new QueueLimits { LogicalBlockSize = 512, MaxSectorsBytes = Block });
        var inode = new MemoryInode(_disk, Block) { Size = 4 * Block };
        inode.Allocate(0, 4 * Block, unwritten: false);
        _disk.FaultInjector = bio => bio.Op == BioOp.Read && bio.Position == 2 * Block ? BlkStatus.IoError : BlkStatus.Ok;
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(4 * Block));

        long read = await path.ReadAsync(inode, 0, iter);

        Assert.Equal(2 * Block, read);
        Assert.Equal(2 * Block, iter.Count);
    }

    private void UseDisk(QueueLimits limits)
    {
        _disk.Dispose();
        _disk = DioPathTests.NewDisk(limits);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _disk.Dispose();
        }
        base.Dispose(disposing);
    }
}
