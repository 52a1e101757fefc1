using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Mm;

/// <summary>Many threads pinning and unpinning overlapping pages of one buffer.</summary>
public sealed class GupConcurrencyTests : PinBalancedTest
{
    private const int BufferPages = 16;
    private const int Iterations = 2000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ParallelPinsOfOverlappingRanges_EndBalancedWithNoPinLeft(bool managed)
    {
        using var native = new NativeBuffer(BufferPages * PageSize.Bytes);
        byte[] array = new byte[(BufferPages - 1) * PageSize.Bytes];
        Memory<byte> buffer = managed ? array : native.Memory;
        long acquired = PinStats.Acquired;
        long released = PinStats.Released;
        long pinnedPages = 0;

        Parallel.For(0, Iterations, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(4, Environment.ProcessorCount) }, i =>
        {
            // A deterministic spread of ranges, most of them crossing page edges at odd offsets.
            int start = (int)((i * 7919L) % (buffer.Length - 1));
            int length = 1 + (int)((i * 104729L) % Math.Min(3 * PageSize.Bytes, buffer.Length - start));
            Span<Page> pages = new Page[4];
            bool get = i % 5 == 0;
            int n = get
                ? Gup.GetUserPages(buffer.Slice(start, length), GupFlags.None, pages)
                : Gup.PinUserPages(buffer.Slice(start, length), GupFlags.Write, pages);
            for (int k = 0; k < n; k++)
            {
                Assert.True(get || pages[k].PinCount >= 1, $"page {k} of a held pin has PinCount {pages[k].PinCount}");
                Assert.True(get || pages[k].MaybeDmaPinned);
                Assert.True(pages[k].RefCount >= 1);
            }
            if (get)
            {
                foreach (Page page in pages[..n])
                {
                    page.Put();
                }
            }
            else
            {
                Interlocked.Add(ref pinnedPages, n);
                Gup.UnpinUserPages(pages[..n]);
            }
        });

        Assert.Equal(pinnedPages, PinStats.Acquired - acquired);
        Assert.Equal(pinnedPages, PinStats.Released - released);
        AssertBalanced();
        // Pin the whole buffer once more: a pin left behind by the race would show as PinCount 2.
        var all = new Page[BufferPages];
        int count = Gup.PinUserPages(buffer, GupFlags.None, all);
        Assert.All(all[..count], p => Assert.Equal(1, p.PinCount));
        Assert.All(all[..count], p => Assert.Equal(Gup.PinCountingBias, p.RefCount));
        Gup.UnpinUserPages(all.AsSpan(0, count));
        GC.KeepAlive(array);
    }
}
