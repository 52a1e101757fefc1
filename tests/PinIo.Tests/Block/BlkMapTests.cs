using PinIo.Block;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Block;

/// <summary>blk-map: map memory that fits the queue's DMA alignment, bounce memory that does not.</summary>
public sealed class BlkMapTests : PinBalancedTest
{
    private readonly PagePool _pool = new(32);

    [Theory]
    [InlineData(0, 4096, 512, true)]
    [InlineData(512, 1024, 512, true)]
    [InlineData(8, 1024, 512, false)]
    [InlineData(0, 1000, 512, false)]
    [InlineData(8, 1024, 8, true)]
    [InlineData(4, 1024, 8, false)]
    [InlineData(0, 4096, 4096, true)]
    [InlineData(512, 4096, 4096, false)]
    public void CanMapFollowsTheAddressAndLengthOfEverySegment(int misalignBy, int length, int dmaAlignment, bool expected)
    {
        var limits = new QueueLimits { DmaAlignment = dmaAlignment };
        Memory<byte> aligned = BlockMemory.Aligned(4096);
        Memory<byte> other = BlockMemory.Aligned(length, misalignBy: misalignBy);

        Assert.Equal(expected, BlkMap.CanMap(IovIter.User(IterDirection.Source, aligned, other), limits));
        Assert.Equal(expected, BlkMap.CanMap(IovIter.User(IterDirection.Source, other, aligned), limits));
    }

    [Fact]
    public void CanMapLooksOnlyAtTheBytesStillInTheIterator()
    {
        Memory<byte> aligned = BlockMemory.Aligned(8192);
        IovIter iter = IovIter.User(IterDirection.Source, aligned[..100], aligned[4096..]);
        Assert.False(BlkMap.CanMap(iter, QueueLimits.Default));

        iter.Advance(100);

        Assert.True(BlkMap.CanMap(iter, QueueLimits.Default));
    }

    [Fact]
    public void BounceBufferCopiesAWriteSourceInAndAdvancesIt()
    {
        Memory<byte> source = BlockMemory.Aligned(10_000, misalignBy: 3);
        BlockMemory.FillPattern(source.Span, seed: 1);
        IovIter iter = IovIter.User(IterDirection.Source, source[..2500], source[2500..]);
        int free = _pool.FreeCount;

        using (BounceBuffer bounce = BlkMap.CopyUserIov(iter, 9000, _pool))
        {
            Assert.Equal(9000, bounce.Length);
            Assert.Equal(1000, iter.Count);
            Assert.Equal(free - 3, _pool.FreeCount);
            var copied = new byte[9000];
            Assert.Equal(9000, bounce.ToIter(IterDirection.Source).CopyFromIter(copied));
            DioAssert.SameBytes(source.Span[..9000], copied, "bounce pages after copy-in");
        }

        Assert.Equal(free, _pool.FreeCount);
    }

    [Fact]
    public void BounceBufferCopiesOutToAReadDestination()
    {
        Memory<byte> destination = BlockMemory.Aligned(10_000, misalignBy: 5);
        IovIter iter = IovIter.User(IterDirection.Dest, destination[..777], destination[777..]);
        byte[] data = new byte[10_000];
        BlockMemory.FillPattern(data, seed: 2);
        int free = _pool.FreeCount;

        using (BounceBuffer bounce = BlkMap.CopyUserIov(iter, 10_000, _pool))
        {
            Assert.Equal(10_000, iter.Count);
            bounce.ToIter(IterDirection.Dest).CopyToIter(data);

            bounce.CopyOut(iter, 6000);

            Assert.Equal(4000, iter.Count);
        }

        DioAssert.SameBytes(data.AsSpan(0, 6000), destination.Span[..6000], "destination after copy-out");
        Assert.True(destination.Span[6000..].IndexOfAnyExcept((byte)0) < 0, "copy-out wrote past the bytes it was given");
        Assert.Equal(free, _pool.FreeCount);
    }

    [Fact]
    public void BounceBufferTakesNoPinOnTheCallersMemory()
    {
        Memory<byte> source = BlockMemory.Aligned(4096, misalignBy: 1);
        long acquired = PinStats.Acquired;
        int userPages = PageTable.ReferencedUserPages;

        using BounceBuffer bounce = BlkMap.CopyUserIov(IovIter.User(IterDirection.Source, source), 4096, _pool);

        Assert.Equal(acquired, PinStats.Acquired);
        Assert.Equal(userPages, PageTable.ReferencedUserPages);
    }

    [Fact]
    public void BounceBufferDisposedTwiceReturnsItsPagesOnce()
    {
        int free = _pool.FreeCount;
        BounceBuffer bounce = BlkMap.CopyUserIov(IovIter.User(IterDirection.Dest, BlockMemory.Aligned(8192)), 8192, _pool);

        bounce.Dispose();
        bounce.Dispose();

        Assert.Equal(free, _pool.FreeCount);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pool.Dispose();
        }
        base.Dispose(disposing);
    }
}
