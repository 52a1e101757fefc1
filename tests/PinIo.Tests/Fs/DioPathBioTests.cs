using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// The bios both paths build, looked at as each is submitted: every bio is homogeneous —
/// pinned (every page in it pinned at that moment) or taking no reference — for every
/// iterator kind, including the bios that carry the zero page: on the legacy path the zero
/// page joins pinned bios pinned (pin_user_page), on the iomap path it goes in bios of its own.
/// </summary>
public sealed class DioPathBioTests : PinBalancedTest
{
    private const int Block = 4096;

    private readonly RamDisk _disk = DioPathTests.NewDisk();

    public static TheoryData<DioPath, IterKind> PathsAndKinds() => DioPathTests.PathsAndKinds();

    [Theory]
    [MemberData(nameof(PathsAndKinds))]
    public async Task EveryBioIsHomogeneousIncludingZeroPageBios(DioPath path, IterKind kind)
    {
        var seen = new List<(BioFlags Flags, bool HasZeroPage, bool AllPinned, bool OnlyZeroPage)>();
        BlockBioRecorder.Attach(_disk, (bio, _) =>
        {
            bool hasZero = false, allPinned = true, onlyZero = true;
            foreach (BioVec vec in bio.VecSpan)
            {
                bool isZero = ReferenceEquals(vec.Page, DioZeroPage.Page);
                hasZero |= isZero;
                onlyZero &= isZero;
                allPinned &= vec.Page.PinCount > 0;
            }
            lock (seen)
            {
                seen.Add((bio.Flags, hasZero, allPinned, onlyZero));
            }
        });
        using var pool = new PagePool(32);
        var inode = new MemoryInode(_disk, Block);
        inode.Allocate(2 * Block, Block, unwritten: false);
        byte[] data = DioPathTests.Pattern((3 * Block) - 1024, 1);
        using (DioMemory source = DioMemory.Create(kind, data.Length, new Random(1), pool))
        {
            // Starts and ends inside new blocks: zeroing on both sides; crosses a mapped block.
            Assert.Equal(data.Length, await path.WriteAsync(inode, 512, source.Source(data)));
        }
        using (DioMemory dest = DioMemory.Create(kind, 4 * Block, new Random(2), pool))
        {
            Assert.Equal(512 + data.Length, await path.ReadAsync(inode, 0, dest.Dest()));
        }

        bool pinnedKind = kind is IterKind.Iovec or IterKind.Pipe;
        Assert.NotEmpty(seen);
        Assert.All(seen, b => Assert.True(b.Flags is BioFlags.PagePinned or BioFlags.NoPageRef, $"a bio of class {b.Flags}"));
        Assert.All(seen.Where(b => b.Flags == BioFlags.PagePinned), b => Assert.True(b.AllPinned, "a pinned bio holds a page that is not pinned"));
        Assert.Contains(seen, b => b.HasZeroPage);
        if (path == DioPath.Iomap)
        {
            Assert.All(seen.Where(b => b.HasZeroPage), b => Assert.True(b.OnlyZeroPage && b.Flags == BioFlags.NoPageRef, "iomap zeroing shares a bio with data"));
            Assert.All(seen.Where(b => !b.HasZeroPage), b => Assert.Equal(pinnedKind ? BioFlags.PagePinned : BioFlags.NoPageRef, b.Flags));
        }
        else
        {
            Assert.All(seen, b => Assert.Equal(pinnedKind ? BioFlags.PagePinned : BioFlags.NoPageRef, b.Flags));
            Assert.Contains(seen, b => b.HasZeroPage && !b.OnlyZeroPage);
        }
    }

    [Fact]
    public async Task LegacyReadOfHolesMayPinABatchAndReleasesIt()
    {
        var inode = new MemoryInode(_disk, Block) { Size = 4 * Block };
        Memory<byte> back = BlockMemory.Aligned(4 * Block);
        back.Span.Fill(0xEE);
        long pinsBefore = PinStats.Acquired;

        long read = await LegacyDirectIo.ReadAsync(inode, 0, IovIter.User(IterDirection.Dest, back));

        Assert.Equal(4 * Block, read);
        Assert.True(back.Span.IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(4, PinStats.Acquired - pinsBefore);
        Assert.Equal(0, _disk.BiosSubmitted);
        AssertBalanced();
    }

    /// <summary>
    /// do_direct_IO walks file-system blocks and drops to the device's logical block only for a
    /// request that is not block-aligned: a mapped, block-aligned read pins each page once
    /// (the batch pin plus one per bio piece), an unaligned one each 512-byte piece.
    /// </summary>
    [Fact]
    public async Task LegacyPinsAPageOncePerBlock_AndPerLogicalBlockOnlyWhenUnaligned()
    {
        var inode = new MemoryInode(_disk, Block) { Size = 4 * Block };
        inode.Allocate(0, 4 * Block, unwritten: false);
        Memory<byte> back = BlockMemory.Aligned(4 * Block);
        long before = PinStats.Acquired;

        Assert.Equal(4 * Block, await LegacyDirectIo.ReadAsync(inode, 0, IovIter.User(IterDirection.Dest, back)));
        long aligned = PinStats.Acquired - before;
        before = PinStats.Acquired;
        Assert.Equal(Block, await LegacyDirectIo.ReadAsync(inode, 512, IovIter.User(IterDirection.Dest, back[..Block])));
        long unaligned = PinStats.Acquired - before;

        // 4 pages: 4 batch pins + 4 bio pins; one page of memory at file offset 512: 1 batch pin + 8 pieces.
        Assert.Equal(8, aligned);
        Assert.Equal(1 + (Block / 512), unaligned);
        AssertBalanced();
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
