using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Mm;

/// <summary>
/// Managed memory under I/O is GC-pinned until the last page pin on it goes: the .NET
/// counterpart of "pinned memory does not move or get reused until unpinned".
/// </summary>
public sealed class GcAnchorTests : PinBalancedTest
{
    // Below the large object heap threshold, so the array lives on the compacting small object heap.
    private const int ArrayBytes = (4 * PageSize.Bytes) + 300;

    [Fact]
    public void PinUserPages_OfManagedArray_GcPinsItOnce()
    {
        byte[] array = new byte[ArrayBytes];
        long gcPinned = PinStats.GcPinnedBuffers;
        var pages = new Page[8];

        int n = Gup.PinUserPages(array.AsMemory(100, 3 * PageSize.Bytes), GupFlags.Write, pages);

        Assert.InRange(n, 3, 4);
        Assert.Equal(gcPinned + 1, PinStats.GcPinnedBuffers);
        Gup.UnpinUserPages(pages.AsSpan(0, n));
        Assert.Equal(gcPinned, PinStats.GcPinnedBuffers);
    }

    [Fact]
    public void GcPin_LastsUntilTheLastPagesLastPinIsReleased()
    {
        byte[] array = new byte[ArrayBytes];
        long gcPinned = PinStats.GcPinnedBuffers;
        var first = new Page[8];
        var second = new Page[8];
        Memory<byte> memory = array.AsMemory(1, ArrayBytes - 2);

        int n = Gup.PinUserPages(memory, GupFlags.Write, first);
        Assert.Equal(n, Gup.PinUserPages(memory, GupFlags.Write, second));
        Assert.Equal(gcPinned + 1, PinStats.GcPinnedBuffers);

        // Every page keeps one pin: the buffer stays pinned however many pins went.
        for (int i = 0; i < n; i++)
        {
            Gup.UnpinUserPage(first[i]);
            Assert.Equal(gcPinned + 1, PinStats.GcPinnedBuffers);
        }
        // Pages leave one by one; only the last lets the buffer go.
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(gcPinned + 1, PinStats.GcPinnedBuffers);
            Gup.UnpinUserPage(second[i]);
        }
        Assert.Equal(gcPinned, PinStats.GcPinnedBuffers);
    }

    [Fact]
    public void GcPin_OfGetUserPages_LastsUntilTheLastPut()
    {
        byte[] array = new byte[ArrayBytes];
        long gcPinned = PinStats.GcPinnedBuffers;
        var pages = new Page[8];

        int n = Gup.GetUserPages(array, GupFlags.None, pages);
        Assert.Equal(gcPinned + 1, PinStats.GcPinnedBuffers);

        for (int i = 0; i < n; i++)
        {
            Assert.Equal(gcPinned + 1, PinStats.GcPinnedBuffers);
            pages[i].Put();
        }
        Assert.Equal(gcPinned, PinStats.GcPinnedBuffers);
    }

    [Fact]
    public void PinnedManagedArray_IsNotMovedByCompactingCollections()
    {
        var pages = new Page[8];
        (byte[] array, int n) = AllocateBetweenGarbageAndPin(pages);
        nint before = ManagedBuffers.AddressOf(array);
        int offset = (int)(before - pages[0].Address);
        Assert.InRange(offset, 0, PageSize.Bytes - 1);

        DropGarbageAndCompact();

        Assert.Equal(before, pages[0].Address + offset);
        Assert.Equal(before, ManagedBuffers.AddressOf(array));
        // Write through the pages, as a device would, and read through the array.
        for (int i = 0; i < array.Length; i++)
        {
            int k = offset + i;
            pages[k / PageSize.Bytes].AsSpan()[k % PageSize.Bytes] = TestPattern.Pattern(i);
        }
        TestPattern.AssertBytes(TestPattern.Make(array.Length), array, "array after writes through its pages");
        Gup.UnpinUserPages(pages.AsSpan(0, n));
        GC.KeepAlive(array);
    }

    [Fact]
    public void PinnedManagedArray_StaysInPlaceWhileAnyPageIsStillPinned()
    {
        var pages = new Page[8];
        (byte[] array, int n) = AllocateBetweenGarbageAndPin(pages);
        nint before = ManagedBuffers.AddressOf(array);
        Gup.UnpinUserPages(pages.AsSpan(0, n - 1));

        DropGarbageAndCompact();

        Page last = pages[n - 1];
        Assert.Equal(before, ManagedBuffers.AddressOf(array));
        int lastOffset = (int)(before + array.Length - 1 - last.Address);
        last.AsSpan()[lastOffset] = 0x5a;
        Assert.Equal(0x5a, array[^1]);
        Gup.UnpinUserPage(last);
    }

    private static List<byte[]>? s_garbage;

    /// <summary>Places the array between short-lived arrays, so that compaction would slide it if it could.</summary>
    private static (byte[] Array, int Pages) AllocateBetweenGarbageAndPin(Span<Page> pages)
    {
        s_garbage = [];
        for (int i = 0; i < 200; i++)
        {
            s_garbage.Add(new byte[1000]);
        }
        byte[] array = new byte[ArrayBytes];
        for (int i = 0; i < 200; i++)
        {
            s_garbage.Add(new byte[1000]);
        }
        int n = Gup.PinUserPages(array, GupFlags.Write, pages);
        return (array, n);
    }

    private static void DropGarbageAndCompact()
    {
        s_garbage = null;
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            _ = new byte[5000];
        }
    }
}
