using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Iov;

/// <summary>iov_iter_alignment: the OR of every visible segment's start and length.</summary>
public sealed class IovIterAlignmentTests : PinBalancedTest
{
    [Fact]
    public void Alignment_OfPageAlignedKvecs_HasNoLowBits()
    {
        using var buffer = new NativeBuffer(4 * PageSize.Bytes);
        var iter = IovIter.Kernel(IterDirection.Source, [
            new KernelVec(buffer.Address + (2 * PageSize.Bytes), PageSize.Bytes),
            new KernelVec(buffer.Address, 2 * PageSize.Bytes),
        ]);

        Assert.Equal(buffer.Address | (2 * PageSize.Bytes) | PageSize.Bytes | (buffer.Address + (2 * PageSize.Bytes)), iter.Alignment());
        Assert.Equal(0, iter.Alignment() & 511);
    }

    [Fact]
    public void Alignment_IgnoresZeroLengthSegments()
    {
        using var buffer = new NativeBuffer(4 * PageSize.Bytes);
        var iter = IovIter.Kernel(IterDirection.Source, [
            new KernelVec(buffer.Address, PageSize.Bytes),
            new KernelVec(buffer.Address + 0x1001, 0),
            new KernelVec(0, 0),
            new KernelVec(buffer.Address + (2 * PageSize.Bytes), 512),
        ]);

        Assert.Equal(0, iter.Alignment() & 511);
        Assert.Equal(buffer.Address | PageSize.Bytes | (buffer.Address + (2 * PageSize.Bytes)) | 512, iter.Alignment());
    }

    [Fact]
    public void Alignment_AfterTruncate_CountsOnlyTheVisiblePart()
    {
        using var buffer = new NativeBuffer(4 * PageSize.Bytes);
        var iter = IovIter.Kernel(IterDirection.Dest, [
            new KernelVec(buffer.Address, PageSize.Bytes),
            new KernelVec(buffer.Address + (2 * PageSize.Bytes) + 3, 100),
        ]);
        Assert.Equal(3, iter.Alignment() & 3);

        iter.Truncate(PageSize.Bytes);
        Assert.Equal(buffer.Address | PageSize.Bytes, iter.Alignment());

        iter.Truncate(1000);
        Assert.Equal(buffer.Address | 1000, iter.Alignment());

        iter.Reexpand(PageSize.Bytes + 100);
        Assert.Equal(3, iter.Alignment() & 3);
    }

    [Fact]
    public void Alignment_AfterAdvance_StartsAtThePosition()
    {
        using var buffer = new NativeBuffer(2 * PageSize.Bytes);
        var iter = IovIter.Kernel(IterDirection.Source, [new KernelVec(buffer.Address, 2 * PageSize.Bytes)]);

        iter.Advance(0x200);
        Assert.Equal((buffer.Address + 0x200) | ((2 * PageSize.Bytes) - 0x200), iter.Alignment());

        iter.Advance((2 * PageSize.Bytes) - 0x200);
        Assert.Equal(0, iter.Alignment());
    }

    [Fact]
    public void Alignment_OfIovec_IsComputedFromTheBufferAddresses()
    {
        Memory<byte> memory = ManagedBuffers.PageAlignedPinnedHeap(3 * PageSize.Bytes, out _);
        nint address = ManagedBuffers.AddressOf(memory);
        var iter = IovIter.User(IterDirection.Dest, memory[..PageSize.Bytes], memory[(PageSize.Bytes + 8)..(PageSize.Bytes + 8 + 24)], Memory<byte>.Empty);

        Assert.Equal(address | PageSize.Bytes | (address + PageSize.Bytes + 8) | 24, iter.Alignment());
        Assert.Equal(8 | 24, iter.Alignment() & 511);
    }

    [Fact]
    public void Alignment_OfBvec_UsesPageAddressPlusOffset()
    {
        using var pool = new PagePool(2);
        Page a = pool.Alloc();
        Page b = pool.Alloc();
        var iter = IovIter.Pages(IterDirection.Dest, [new BioVec(a, 0, 512), new BioVec(b, 1024, 2048)]);

        Assert.Equal(a.Address | 512 | (b.Address + 1024) | 2048, iter.Alignment());
        a.Put();
        b.Put();
    }

    [Fact]
    public void Alignment_OfDiscard_IsZero()
    {
        var iter = IovIter.Discard(4097);

        Assert.Equal(0, iter.Alignment());
        iter.Advance(3);
        Assert.Equal(0, iter.Alignment());
    }

    [Fact]
    public void Alignment_OfEmptyIterator_IsZero()
    {
        Assert.Equal(0, IovIter.User(IterDirection.Dest, Memory<byte>.Empty).Alignment());
        Assert.Equal(0, IovIter.Kernel(IterDirection.Dest, []).Alignment());
    }
}
