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

    internal static RamDisk NewDisk(QueueLimits? limits = null)
    {
        var disk = new RamDisk(DiskBytes, limits ?? new QueueLimits { LogicalBlockSize = 512 });
        byte[] stale = new byte[DiskBytes];
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
