using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Iov;

/// <summary>The FOLL_GET path (iov_iter_get_pages): a plain reference on every page of every kind, released with Put.</summary>
public sealed class IovIterGetPagesTests : PinBalancedTest
{
    [Fact]
    public void GetPages_OfIovec_TakesPlainReferencesOnUserPages()
    {
        byte[] array = new byte[3 * PageSize.Bytes];
        var iter = IovIter.User(IterDirection.Dest, array.AsMemory(0x10));
        long acquired = PinStats.Acquired;
        long gcPinned = PinStats.GcPinnedBuffers;
        int userPages = PageTable.ReferencedUserPages;
        var pages = new Page[4];

        long bytes = iter.GetPages(pages, long.MaxValue, out int firstOffset);

        Assert.Equal(array.Length - 0x10, bytes);
        int n = pages.Count(p => p is not null);
        Assert.Equal(PagesSpanned(firstOffset, bytes), n);
        Assert.All(pages[..n], p => Assert.Equal(1, p.RefCount));
        Assert.All(pages[..n], p => Assert.Equal(0, p.PinCount));
        Assert.Equal(acquired, PinStats.Acquired);
        Assert.Equal(gcPinned + 1, PinStats.GcPinnedBuffers);
        Assert.Equal(userPages + n, PageTable.ReferencedUserPages);
        PutAll(pages.AsSpan(0, n));
        Assert.Equal(userPages, PageTable.ReferencedUserPages);
    }

    [Fact]
    public void GetPages_OfKvec_TakesPlainReferencesOnTheNativePages()
    {
        using var buffer = new NativeBuffer(3 * PageSize.Bytes);
        var iter = IovIter.Kernel(IterDirection.Source, [new KernelVec(buffer.Address + 0x321, 2 * PageSize.Bytes)]);
        long acquired = PinStats.Acquired;
        int userPages = PageTable.ReferencedUserPages;
        var pages = new Page[4];

        long bytes = iter.GetPages(pages, long.MaxValue, out int firstOffset);

        Assert.Equal(2 * PageSize.Bytes, bytes);
        Assert.Equal(0x321, firstOffset);
        Assert.Equal(buffer.Address, pages[0].Address);
        Assert.Null(pages[3]);
        Assert.All(pages[..3], p => Assert.Equal(1, p.RefCount));
        Assert.Equal(acquired, PinStats.Acquired);
        Assert.Equal(userPages + 3, PageTable.ReferencedUserPages);
        PutAll(pages.AsSpan(0, 3));
    }

    [Fact]
    public void GetPages_OfBvec_TakesAReferenceOnTopOfTheCallers()
    {
        using var pool = new PagePool(4);
        Page first = pool.TryAllocContiguous(2)!;
        Page second = pool[first.PoolIndex + 1];
        var iter = IovIter.Pages(IterDirection.Dest, [new BioVec(first, 0xfff, 2)]);
        var pages = new Page[2];

        long bytes = iter.GetPages(pages, long.MaxValue, out int firstOffset);

        Assert.Equal(2, bytes);
        Assert.Equal(0xfff, firstOffset);
        Assert.Same(first, pages[0]);
        Assert.Same(second, pages[1]);
        Assert.Equal(2, first.RefCount);
        Assert.Equal(2, second.RefCount);
        PutAll(pages);
        Assert.Equal(1, first.RefCount);
        first.Put();
        second.Put();
    }

    [Fact]
    public void GetPages_OfPipe_TakesAReferenceOnTopOfThePipes()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        pipe.Write(TestPattern.Make(PageSize.Bytes + 1));
        var iter = IovIter.Pipe(IterDirection.Source, pipe, PageSize.Bytes + 1);
        long acquired = PinStats.Acquired;
        var pages = new Page[2];

        long bytes = iter.GetPages(pages, long.MaxValue, out int firstOffset);

        Assert.Equal(PageSize.Bytes + 1, bytes);
        Assert.Equal(0, firstOffset);
        Assert.All(pages, p => Assert.Equal(2, p.RefCount));
        Assert.All(pages, p => Assert.Equal(0, p.PinCount));
        Assert.Equal(acquired, PinStats.Acquired);
        PutAll(pages);
        Assert.All(pages, p => Assert.Equal(1, p.RefCount));
    }

    [Fact]
    public void GetPages_OfDiscard_FailsWithEfault()
    {
        var e = Assert.Throws<DirectIoException>(() => IovIter.Discard(1).GetPages(new Page[1], 1, out _));
        Assert.Equal(Errno.EFAULT, e.Errno);
    }

    [Fact]
    public void GetPages_RespectsMaxBytesAndPagesLength()
    {
        using var buffer = new NativeBuffer(4 * PageSize.Bytes);
        var iter = IovIter.User(IterDirection.Dest, buffer.Memory[0x200..]);
        var pages = new Page[2];

        Assert.Equal(0x300, iter.GetPages(pages, 0x300, out _));
        PutAll(pages.AsSpan(0, 1));
        Assert.Null(pages[1]);

        long bytes = iter.GetPages(pages, long.MaxValue, out int firstOffset);
        Assert.Equal(0x500, firstOffset);
        Assert.Equal((2 * PageSize.Bytes) - 0x500, bytes);
        Assert.Equal((4 * PageSize.Bytes) - 0x200 - 0x300 - bytes, iter.Count);
        PutAll(pages);
    }

    private static void PutAll(ReadOnlySpan<Page> pages)
    {
        foreach (Page page in pages)
        {
            page.Put();
        }
    }

    private static int PagesSpanned(int firstOffset, long bytes) => (int)((firstOffset + bytes + PageSize.Bytes - 1) / PageSize.Bytes);
}
