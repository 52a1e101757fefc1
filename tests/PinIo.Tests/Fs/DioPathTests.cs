using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// The rules both file-system Direct I/O paths keep (IomapDio, LegacyDirectIo), each test run
/// over both, on a <see cref="MemoryInode"/> over a RAM disk with 512-byte logical blocks
/// pre-filled with a non-zero pattern (stale data that must never be read back).
/// </summary>
public sealed class DioPathTests : PinBalancedTest
{
    private const int Block = 4096;
    private const long DiskBytes = 4 << 20;
    private const byte Stale = 0xA5;

    private readonly RamDisk _disk = NewDisk();

    public static TheoryData<DioPath> Paths() => [DioPath.Iomap, DioPath.Legacy];

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task WriteThenReadAcrossHoleUnwrittenAndMappedExtentsRoundTrips(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block);
        inode.Allocate(Block, Block, unwritten: false);
        inode.SkipDeviceBlocks(3);
        inode.Allocate(2 * Block, Block, unwritten: true);
        byte[] data = Pattern(4 * Block, 1);

        long written = await path.WriteAsync(inode, 0, IovIter.User(IterDirection.Source, Aligned(data)));
        Memory<byte> back = BlockMemory.Aligned(4 * Block);
        long read = await path.ReadAsync(inode, 0, IovIter.User(IterDirection.Dest, back));

        Assert.Equal(4 * Block, written);
        Assert.Equal(4 * Block, read);
        Assert.Equal(data, back.ToArray());
        Assert.Equal(4 * Block, inode.Size);
        Assert.False(inode.IsUnwritten(2 * Block));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task HolesAndUnwrittenExtentsReadAsZeroes(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block) { Size = 3 * Block };
        inode.Allocate(Block, Block, unwritten: true);
        Memory<byte> back = BlockMemory.Aligned(3 * Block);
        back.Span.Fill(0xEE);

        long read = await path.ReadAsync(inode, 0, IovIter.User(IterDirection.Dest, back));

        Assert.Equal(3 * Block, read);
        Assert.True(back.Span.IndexOfAnyExcept((byte)0) < 0, "a hole or unwritten extent read something other than zeroes");
    }

    [Fact]
    public async Task IomapReadOfHolesAndUnwrittenTakesNoPinAndMappedPagesArePinnedOnce()
    {
        var inode = new MemoryInode(_disk, Block) { Size = 4 * Block };
        inode.Allocate(Block, Block, unwritten: true);
        inode.Allocate(3 * Block, Block, unwritten: false);
        Memory<byte> back = BlockMemory.Aligned(4 * Block);
        long before = PinStats.Acquired;

        long holes = await IomapDio.ReadAsync(inode, 0, IovIter.User(IterDirection.Dest, back[..(3 * Block)]));
        long afterHoles = PinStats.Acquired;
        long mapped = await IomapDio.ReadAsync(inode, 3 * Block, IovIter.User(IterDirection.Dest, back[(3 * Block)..]));

        Assert.Equal(3 * Block, holes);
        Assert.Equal(Block, mapped);
        Assert.Equal(0, afterHoles - before);
        Assert.Equal(1, PinStats.Acquired - afterHoles);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task SubBlockWriteIntoNewBlockReadsBackZeroOutsideTheWrittenBytes(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block);
        byte[] data = Pattern(512, 2);

        long written = await path.WriteAsync(inode, 1024, IovIter.User(IterDirection.Source, Aligned(data)));
        Memory<byte> back = BlockMemory.Aligned(Block);
        inode.Size = Block;
        long read = await path.ReadAsync(inode, 0, IovIter.User(IterDirection.Dest, back));
        byte[] device = new byte[Block];
        _disk.ReadRaw(inode.DeviceOffsetOf(0), device);

        Assert.Equal(512, written);
        Assert.Equal(Block, read);
        byte[] expected = new byte[Block];
        data.CopyTo(expected, 1024);
        Assert.Equal(expected, back.ToArray());
        Assert.Equal(expected, device);
        Assert.Equal(Block - 512, expected.Count(b => b == 0) - data.Count(b => b == 0));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task ReadNeverReturnsBytesPastSize(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block) { Size = Block + 700 };
        inode.Allocate(0, 2 * Block, unwritten: false);
        Memory<byte> back = BlockMemory.Aligned(4 * Block);

        long read = await path.ReadAsync(inode, 0, IovIter.User(IterDirection.Dest, back));
        long atEnd = await path.ReadAsync(inode, 2 * Block, IovIter.User(IterDirection.Dest, back));
        IovIter tail = IovIter.User(IterDirection.Dest, back[..Block]);
        long fromInside = await path.ReadAsync(inode, Block, tail);

        Assert.Equal(Block + 700, read);
        Assert.Equal(0, atEnd);
        Assert.Equal(700, fromInside);
        Assert.Equal(Block - 700, tail.Count);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task MisalignedOffsetFailsWithEinvalNamingTheLogicalBlockSize(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block) { Size = 2 * Block };
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(Block));

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await path.ReadAsync(inode, 100, iter));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("logical block size 512", e.Message, StringComparison.Ordinal);
        Assert.Equal(Block, iter.Count);
    }

    public static TheoryData<DioPath, IterKind> PathsAndKinds()
    {
        var data = new TheoryData<DioPath, IterKind>();
        foreach (DioPath path in Enum.GetValues<DioPath>())
        {
            foreach (IterKind kind in new[] { IterKind.Iovec, IterKind.Kvec, IterKind.Bvec, IterKind.Pipe })
            {
                data.Add(path, kind);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PathsAndKinds))]
    public async Task EveryIteratorKindWritesAndReadsBackAcrossExtents(DioPath path, IterKind kind)
    {
        using var pool = new PagePool(64);
        var random = new Random(7);
        var inode = new MemoryInode(_disk, Block);
        inode.Allocate(Block, Block, unwritten: false);
        inode.SkipDeviceBlocks(2);
        inode.Allocate(3 * Block, Block, unwritten: true);
        byte[] data = Pattern((5 * Block) - 1024, 3);
        long written;
        using (DioMemory source = DioMemory.Create(kind, data.Length, random, pool))
        {
            written = await path.WriteAsync(inode, 512, source.Source(data));
        }
        byte[] back = new byte[data.Length];
        long read;
        using (DioMemory dest = DioMemory.Create(kind, data.Length, random, pool))
        {
            read = await path.ReadAsync(inode, 512, dest.Dest());
            dest.ReadBack(back);
        }

        Assert.Equal(data.Length, written);
        Assert.Equal(data.Length, read);
        Assert.Equal(data, back);
        Memory<byte> head = BlockMemory.Aligned(512);
        head.Span.Fill(0xEE);
        Assert.Equal(512, await path.ReadAsync(inode, 0, IovIter.User(IterDirection.Dest, head)));
        Assert.Equal(new byte[512], head.ToArray());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task NativeIovecWritesAndReadsBack(DioPath path)
    {
        using var source = new NativeBuffer(2 * Block);
        using var dest = new NativeBuffer(2 * Block);
        var inode = new MemoryInode(_disk, Block);
        byte[] data = Pattern(2 * Block, 4);
        data.CopyTo(source.GetSpan());

        long written = await path.WriteAsync(inode, 0, IovIter.User(IterDirection.Source, source.Memory));
        long read = await path.ReadAsync(inode, 0, IovIter.User(IterDirection.Dest, dest.Memory));

        Assert.Equal(2 * Block, written);
        Assert.Equal(2 * Block, read);
        Assert.Equal(data, dest.GetSpan().ToArray());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task DiscardIteratorFailsWithEfault(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block) { Size = Block };

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await path.ReadAsync(inode, 0, IovIter.Discard(Block)));

        Assert.Equal(Errno.EFAULT, e.Errno);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task NoWaitWriteThatWouldAllocateFailsWithEagainAndAllocatesNothing(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block);
        inode.Allocate(0, Block, unwritten: false);
        IovIter iter = IovIter.User(IterDirection.Source, Aligned(Pattern(Block, 5)));

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await path.WriteAsync(inode, Block, iter, DirectIoFlags.NoWait));
        long sizeAfterRefusal = inode.Size;
        long overwrite = await path.WriteAsync(inode, 0, IovIter.User(IterDirection.Source, Aligned(Pattern(Block, 5))), DirectIoFlags.NoWait);

        Assert.Equal(Errno.EAGAIN, e.Errno);
        Assert.Equal(Block, iter.Count);
        Assert.True(inode.IsHole(Block));
        Assert.Equal(0, sizeAfterRefusal);
        Assert.Equal(Block, overwrite);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task MisalignedLengthFailsWithEinvalNamingTheLogicalBlockSize(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block);
        IovIter iter = IovIter.User(IterDirection.Source, BlockMemory.Aligned(700));

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await path.WriteAsync(inode, 0, iter));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("length 700", e.Message, StringComparison.Ordinal);
        Assert.Contains("logical block size 512", e.Message, StringComparison.Ordinal);
        Assert.True(inode.IsHole(0));
        Assert.Empty(inode.EndIoCalls);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task MisalignedMemoryFailsWithEinvalNamingTheDmaAlignment(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block);
        IovIter iter = IovIter.User(IterDirection.Source, BlockMemory.Aligned(Block, misalignBy: 8));

        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await path.WriteAsync(inode, 0, iter));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("DmaAlignment of 512", e.Message, StringComparison.Ordinal);
        Assert.True(inode.IsHole(0));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task MisalignedMemoryIsBouncedWhenAsked(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block);
        byte[] data = Pattern(Block, 6);
        Memory<byte> source = BlockMemory.Aligned(Block, misalignBy: 8);
        data.CopyTo(source);
        Memory<byte> back = BlockMemory.Aligned(Block, misalignBy: 8);

        long written = await path.WriteAsync(inode, 0, IovIter.User(IterDirection.Source, source), DirectIoFlags.BounceMisaligned);
        long read = await path.ReadAsync(inode, 0, IovIter.User(IterDirection.Dest, back), DirectIoFlags.BounceMisaligned);

        Assert.Equal(Block, written);
        Assert.Equal(Block, read);
        Assert.Equal(data, back.ToArray());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task MemoryThatMovesOutOfAlignmentBeforeItIsPinned_IsBouncedWhenAsked(DioPath path)
    {
        // Page-aligned when the request is checked, 8 bytes further on once pinned (the GC
        // moving an array in between): bounced, not handed to the device misaligned.
        var inode = new MemoryInode(_disk, Block);
        byte[] data = Pattern(Block, 9);
        using var source = new MovingBuffer(Block, movedBy: 8);
        data.CopyTo(source.MovedSpan);
        using var back = new MovingBuffer(Block, movedBy: 8);

        long written = await path.WriteAsync(inode, 0, IovIter.User(IterDirection.Source, source.Memory), DirectIoFlags.BounceMisaligned);
        long read = await path.ReadAsync(inode, 0, IovIter.User(IterDirection.Dest, back.Memory), DirectIoFlags.BounceMisaligned);

        Assert.Equal(Block, written);
        Assert.Equal(Block, read);
        Assert.True(source.Moved && back.Moved);
        Assert.Equal(data, back.MovedSpan.ToArray());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task CanceledBeforeStartFailsWithEcanceledAndTouchesNothing(DioPath path)
    {
        var inode = new MemoryInode(_disk, Block);
        IovIter iter = IovIter.User(IterDirection.Source, Aligned(Pattern(Block, 8)));

        await Assert.ThrowsAsync<DirectIoCanceledException>(async () => await path.WriteAsync(inode, 0, iter, ct: new CancellationToken(canceled: true)));

        Assert.Equal(Block, iter.Count);
        Assert.True(inode.IsHole(0));
        Assert.Equal(0, inode.MapCalls);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task ExtentsMappedAtOffsetsBeforeTheRequestAreUsedFromTheRightByte(DioPath path)
    {
        // One 16 KiB extent, read from its middle: the device offset is the extent's plus the distance into it.
        var inode = new MemoryInode(_disk, Block) { Size = 4 * Block };
        inode.SkipDeviceBlocks(5);
        inode.Allocate(0, 4 * Block, unwritten: false);
        byte[] device = Pattern(4 * Block, 9);
        _disk.WriteRaw(inode.DeviceOffsetOf(0), device);
        Memory<byte> back = BlockMemory.Aligned(Block + 1024);

        long read = await path.ReadAsync(inode, Block + 1536, IovIter.User(IterDirection.Dest, back));

        Assert.Equal(Block + 1024, read);
        Assert.Equal(device.AsSpan(Block + 1536, Block + 1024).ToArray(), back.ToArray());
    }

    internal static RamDisk NewDisk(QueueLimits? limits = null, long diskBytes = DiskBytes, RamDiskCompletion completion = RamDiskCompletion.Inline)
    {
        var disk = new RamDisk(diskBytes, new RamDiskOptions { Limits = limits ?? new QueueLimits { LogicalBlockSize = 512 }, Completion = completion });
        byte[] stale = new byte[diskBytes];
        stale.AsSpan().Fill(Stale);
        disk.WriteRaw(0, stale);
        return disk;
    }

    internal static byte[] Pattern(int length, int seed)
    {
        byte[] data = new byte[length];
        BlockMemory.FillPattern(data, seed);
        return data;
    }

    internal static Memory<byte> Aligned(byte[] data)
    {
        Memory<byte> memory = BlockMemory.Aligned(data.Length);
        data.CopyTo(memory);
        return memory;
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
