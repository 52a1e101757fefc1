using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Iov;

/// <summary>Misuse of an iterator fails and leaves it as it was.</summary>
public sealed class IovIterErrorTests : PinBalancedTest
{
    [Fact]
    public void Advance_BeyondCount_Throws()
    {
        var iter = IovIter.User(IterDirection.Dest, new byte[100], new byte[50]);
        iter.Advance(30);

        Assert.Throws<ArgumentOutOfRangeException>(() => iter.Advance(121));
        Assert.Throws<ArgumentOutOfRangeException>(() => iter.Advance(-1));
        Assert.Equal(120, iter.Count);
        Assert.Equal(30, iter.Consumed);
    }

    [Fact]
    public void Advance_BeyondTruncatedCount_Throws()
    {
        var iter = IovIter.User(IterDirection.Dest, new byte[100]);
        iter.Truncate(40);

        Assert.Throws<ArgumentOutOfRangeException>(() => iter.Advance(41));
        iter.Advance(40);
        Assert.Equal(0, iter.Count);
    }

    [Fact]
    public void Revert_BeyondConsumed_Throws()
    {
        var iter = IovIter.User(IterDirection.Source, new byte[100], new byte[50]);
        iter.Advance(120);

        Assert.Throws<ArgumentOutOfRangeException>(() => iter.Revert(121));
        Assert.Throws<ArgumentOutOfRangeException>(() => iter.Revert(-1));
        Assert.Equal(30, iter.Count);
        iter.Revert(120);
        Assert.Equal(150, iter.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => iter.Revert(1));
    }

    [Fact]
    public void Reexpand_BeyondTheMemoryLeft_Throws()
    {
        var iter = IovIter.User(IterDirection.Dest, new byte[100], new byte[50]);
        iter.Advance(10);
        iter.Truncate(20);

        Assert.Throws<ArgumentOutOfRangeException>(() => iter.Reexpand(141));
        Assert.Throws<ArgumentOutOfRangeException>(() => iter.Reexpand(-1));
        Assert.Equal(20, iter.Count);
        iter.Reexpand(140);
        Assert.Equal(140, iter.Count);
    }

    [Fact]
    public void Truncate_ToNegative_Throws_AndNeverGrowsCount()
    {
        var iter = IovIter.User(IterDirection.Dest, new byte[100]);

        Assert.Throws<ArgumentOutOfRangeException>(() => iter.Truncate(-1));
        iter.Truncate(1000);
        Assert.Equal(100, iter.Count);
    }

    [Fact]
    public void CopyToIter_OnSourceIterator_Throws()
    {
        byte[] memory = new byte[10];
        var iter = IovIter.User(IterDirection.Source, memory);

        Assert.Throws<InvalidOperationException>(() => iter.CopyToIter(TestPattern.Make(10)));
        Assert.All(memory, b => Assert.Equal(0, b));
        Assert.Equal(10, iter.Count);
    }

    [Fact]
    public void CopyFromIter_OnDestIterator_Throws()
    {
        var iter = IovIter.User(IterDirection.Dest, TestPattern.Make(10));
        byte[] destination = new byte[10];

        Assert.Throws<InvalidOperationException>(() => iter.CopyFromIter(destination));
        Assert.All(destination, b => Assert.Equal(0, b));
        Assert.Equal(10, iter.Count);
    }

    [Fact]
    public void CopyFromIter_OnDiscardIterator_Throws()
    {
        var iter = IovIter.Discard(10);

        Assert.Throws<InvalidOperationException>(() => iter.CopyFromIter(new byte[10]));
    }

    [Fact]
    public void CopyToIter_OnDiscardIterator_DropsTheBytesAndAdvances()
    {
        var iter = IovIter.Discard(10);

        Assert.Equal(10, iter.CopyToIter(TestPattern.Make(25)));
        Assert.Equal(0, iter.Count);
        Assert.Equal(IterKind.Discard, iter.Kind);
        Assert.Equal(IterDirection.Dest, iter.Direction);
    }

    [Fact]
    public void Constructors_RejectMalformedSegments()
    {
        using var pool = new PagePool(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => IovIter.Kernel(IterDirection.Dest, [new KernelVec(0x1000, -1)]));
        Assert.Throws<ArgumentException>(() => IovIter.Kernel(IterDirection.Dest, [new KernelVec(0, 1)]));
        Assert.Throws<ArgumentException>(() => IovIter.Pages(IterDirection.Dest, [new BioVec(null!, 0, 1)]));
        Assert.Throws<ArgumentException>(() => IovIter.Pages(IterDirection.Dest, [new BioVec(pool[0], -1, 1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => IovIter.Discard(-1));
    }
}
