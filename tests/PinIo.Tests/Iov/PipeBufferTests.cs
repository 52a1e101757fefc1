using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Iov;

/// <summary>A ring of pool pages (fs/pipe.c) and the pipe iterator over it.</summary>
public sealed class PipeBufferTests : PinBalancedTest
{
    [Fact]
    public void WriteThenRead_RoundTripsThroughSeveralPages()
    {
        using var pool = new PagePool(8);
        using var pipe = new PipeBuffer(pool, 8);
        byte[] data = TestPattern.Make((3 * PageSize.Bytes) + 123);

        for (int at = 0; at < data.Length; at += 1000)
        {
            Assert.Equal(Math.Min(1000, data.Length - at), pipe.Write(data.AsSpan(at, Math.Min(1000, data.Length - at))));
        }
        Assert.Equal(data.Length, pipe.Length);
        Assert.Equal(4, pipe.PagesHeld);

        byte[] back = new byte[data.Length];
        for (int at = 0; at < back.Length; at += 777)
        {
            Assert.Equal(Math.Min(777, back.Length - at), pipe.Read(back.AsSpan(at, Math.Min(777, back.Length - at))));
        }
        TestPattern.AssertBytes(data, back, "bytes read from the pipe");
        Assert.Equal(0, pipe.Length);
        Assert.Equal(0, pipe.PagesHeld);
        Assert.Equal(8, pool.FreeCount);
    }

    [Fact]
    public void InterleavedWritesAndReads_KeepTheStreamInOrder()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 3);
        long written = 0;
        long read = 0;
        byte[] chunk = new byte[5000];

        for (int round = 0; round < 20; round++)
        {
            int n = pipe.Write(TestPattern.Make(1000 + (round * 311 % 4000), written));
            written += n;
            int m = pipe.Read(chunk.AsSpan(0, 700 + (round * 577 % 4300)));
            TestPattern.AssertBytes(TestPattern.Make(m, read), chunk.AsSpan(0, m), $"round {round}");
            read += m;
            Assert.Equal(written - read, pipe.Length);
        }
        Assert.True(pool.FreeCount >= 1);
    }

    [Fact]
    public void LengthAndFreeSpace_FollowWritesAndReads()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        Assert.Equal(0, pipe.Length);
        Assert.Equal(4 * PageSize.Bytes, pipe.FreeSpace);

        pipe.Write(new byte[5000]);
        Assert.Equal(5000, pipe.Length);
        Assert.Equal((4 * PageSize.Bytes) - 5000, pipe.FreeSpace);

        pipe.Read(new byte[4500]);
        Assert.Equal(500, pipe.Length);
        // The first page went back to the pool; the read part of the second is not reusable yet.
        Assert.Equal(1, pipe.PagesHeld);
        Assert.Equal((4 * PageSize.Bytes) - (4500 - PageSize.Bytes) - 500, pipe.FreeSpace);

        Assert.Equal(pipe.FreeSpace, pipe.Write(new byte[4 * PageSize.Bytes]));
        Assert.Equal(0, pipe.FreeSpace);
        Assert.Equal(0, pipe.Write(new byte[1]));
        Assert.Equal(0, pool.FreeCount);
    }

    [Fact]
    public void DestIterator_FilledByCopyToIter_MakesTheBytesReadable()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        pipe.Write(TestPattern.Make(0x10, seed: 1));
        var iter = IovIter.Pipe(IterDirection.Dest, pipe, 2 * PageSize.Bytes);
        byte[] data = TestPattern.Make((2 * PageSize.Bytes) - 7);

        Assert.Equal(IterKind.Pipe, iter.Kind);
        Assert.Equal(0x10, pipe.Length);
        Assert.Equal(3000, iter.CopyToIter(data.AsSpan(0, 3000)));
        Assert.Equal(0x10 + 3000, pipe.Length);
        Assert.Equal(data.Length - 3000, iter.CopyToIter(data.AsSpan(3000)));
        Assert.Equal(0x10 + data.Length, pipe.Length);
        Assert.Equal(7, iter.Count);

        byte[] back = new byte[pipe.Length];
        Assert.Equal(back.Length, pipe.Read(back));
        TestPattern.AssertBytes(TestPattern.Make(0x10, seed: 1), back.AsSpan(0, 0x10), "bytes written before");
        TestPattern.AssertBytes(data, back.AsSpan(0x10), "bytes copied into the iterator");
    }

    [Fact]
    public void DestIterator_Revert_UnpublishesTheBytes()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        var iter = IovIter.Pipe(IterDirection.Dest, pipe, 6000);
        iter.CopyToIter(TestPattern.Make(5000));
        Assert.Equal(5000, pipe.Length);

        iter.Revert(1234);

        Assert.Equal(5000 - 1234, pipe.Length);
        Assert.Equal(1234 + 1000, iter.Count);
        iter.CopyToIter(TestPattern.Make(10, seed: 3));
        byte[] back = new byte[pipe.Length];
        pipe.Read(back);
        TestPattern.AssertBytes(TestPattern.Make(5000 - 1234), back.AsSpan(0, 5000 - 1234), "bytes kept");
        TestPattern.AssertBytes(TestPattern.Make(10, seed: 3), back.AsSpan(5000 - 1234), "bytes after the revert");
    }

    [Fact]
    public void DestIterator_Truncated_PublishesNoMoreThanTheTruncatedCount()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        var iter = IovIter.Pipe(IterDirection.Dest, pipe, 6000);
        iter.Truncate(100);

        Assert.Equal(100, iter.CopyToIter(new byte[6000]));
        Assert.Equal(100, pipe.Length);
    }

    [Fact]
    public void DestIterator_LargerThanFreeSpace_FailsWithEagain()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 2);
        pipe.Write(new byte[100]);

        var e = Assert.Throws<DirectIoException>(() => IovIter.Pipe(IterDirection.Dest, pipe, (2 * PageSize.Bytes) - 99));
        Assert.Equal(Errno.EAGAIN, e.Errno);
        Assert.Equal(100, pipe.Length);
    }

    [Fact]
    public void SourceIterator_CoversReadableBytesWithoutConsumingThem()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        byte[] data = TestPattern.Make(5000);
        pipe.Write(data);

        var iter = IovIter.Pipe(IterDirection.Source, pipe, 4500);
        byte[] copy = new byte[5000];
        Assert.Equal(4500, iter.CopyFromIter(copy));

        TestPattern.AssertBytes(data.AsSpan(0, 4500), copy.AsSpan(0, 4500), "bytes seen by the source iterator");
        Assert.Equal(5000, pipe.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => IovIter.Pipe(IterDirection.Source, pipe, 5001));
    }

    [Fact]
    public void DestIterator_UsedAfterThePipeWasWritten_IsStale()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        var iter = IovIter.Pipe(IterDirection.Dest, pipe, 1000);
        iter.CopyToIter(new byte[10]);

        pipe.Write(TestPattern.Make(5));

        Assert.Throws<InvalidOperationException>(() => iter.CopyToIter(new byte[10]));
        Assert.Throws<InvalidOperationException>(() => iter.Revert(10));
        Assert.Throws<InvalidOperationException>(() => iter.PinPages(new Page[1], 10, out _));
        Assert.Equal(15, pipe.Length);
    }

    [Fact]
    public void DestIterator_FilledAndThenRevertedAfterThePipeWasWritten_IsStale()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        var iter = IovIter.Pipe(IterDirection.Dest, pipe, 100);
        Assert.Equal(100, iter.CopyToIter(TestPattern.Make(100)));

        Assert.Equal(50, pipe.Write(TestPattern.Make(50, 100)));

        // Reverting would un-publish the 50 bytes just written, or let the next write overwrite them.
        Assert.Throws<InvalidOperationException>(() => iter.Revert(100));
        Assert.Equal(150, pipe.Length);
        byte[] back = new byte[150];
        Assert.Equal(150, pipe.Read(back));
        TestPattern.AssertBytes(TestPattern.Make(150), back, "pipe stream");
    }

    [Fact]
    public void SourceIterator_UsedAfterThePipeWasWritten_IsStale()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        pipe.Write(TestPattern.Make(100));
        var iter = IovIter.Pipe(IterDirection.Source, pipe, 100);

        pipe.Write(TestPattern.Make(10, 100));

        Assert.Throws<InvalidOperationException>(() => iter.CopyFromIter(new byte[10]));
        Assert.Equal(110, pipe.Length);
    }

    [Fact]
    public void DestIterator_RevertOverBytesTheReaderConsumed_Throws()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        var iter = IovIter.Pipe(IterDirection.Dest, pipe, 200);
        iter.CopyToIter(TestPattern.Make(100));
        byte[] read = new byte[60];
        Assert.Equal(60, pipe.Read(read));

        // Only the 40 bytes still in the pipe can be taken back.
        Assert.Throws<InvalidOperationException>(() => iter.Revert(50));

        Assert.Equal(40, pipe.Length);
        Assert.True(pipe.FreeSpace >= 0);
        byte[] rest = new byte[100];
        Assert.Equal(40, pipe.Read(rest));
        TestPattern.AssertBytes(TestPattern.Make(40, 60), rest.AsSpan(0, 40), "bytes left in the pipe");
    }

    [Fact]
    public void DestIterator_RevertOverBytesStillInThePipe_IsAllowedAfterARead()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        var iter = IovIter.Pipe(IterDirection.Dest, pipe, 200);
        iter.CopyToIter(TestPattern.Make(100));
        pipe.Read(new byte[60]);

        iter.Revert(40);

        Assert.Equal(0, pipe.Length);
        Assert.Equal(140, iter.Count);
        iter.CopyToIter(TestPattern.Make(5, seed: 9));
        byte[] back = new byte[10];
        Assert.Equal(5, pipe.Read(back));
        TestPattern.AssertBytes(TestPattern.Make(5, seed: 9), back.AsSpan(0, 5), "bytes after the revert");
    }

    [Fact]
    public void DestIterator_AfterASecondReservation_IsStale()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        var first = IovIter.Pipe(IterDirection.Dest, pipe, 100);
        first.CopyToIter(new byte[40]);

        var second = IovIter.Pipe(IterDirection.Dest, pipe, 100);

        Assert.Throws<InvalidOperationException>(() => first.CopyToIter(new byte[1]));
        Assert.Equal(40, pipe.Length);
        Assert.Equal(10, second.CopyToIter(new byte[10]));
        Assert.Equal(50, pipe.Length);
    }

    [Fact]
    public void Iterator_AfterDispose_IsStale()
    {
        var pool = new PagePool(2);
        var pipe = new PipeBuffer(pool, 2);
        pipe.Write(new byte[10]);
        var iter = IovIter.Pipe(IterDirection.Source, pipe, 10);

        pipe.Dispose();

        Assert.Throws<InvalidOperationException>(() => iter.CopyFromIter(new byte[10]));
        Assert.Throws<ObjectDisposedException>(() => pipe.Write(new byte[1]));
        Assert.Throws<ObjectDisposedException>(() => pipe.Read(new byte[1]));
        pool.Dispose();
    }

    [Fact]
    public void SourceIterator_OverBytesAlreadyRead_Throws()
    {
        using var pool = new PagePool(4);
        using var pipe = new PipeBuffer(pool, 4);
        pipe.Write(new byte[PageSize.Bytes + 10]);
        var iter = IovIter.Pipe(IterDirection.Source, pipe, PageSize.Bytes);

        pipe.Read(new byte[PageSize.Bytes]);

        Assert.Throws<InvalidOperationException>(() => iter.CopyFromIter(new byte[1]));
    }

    [Fact]
    public void Dispose_ReturnsEveryPageToThePool()
    {
        using var pool = new PagePool(8);
        var pipe = new PipeBuffer(pool, 8);
        pipe.Write(new byte[(2 * PageSize.Bytes) + 1]);
        _ = IovIter.Pipe(IterDirection.Dest, pipe, 3 * PageSize.Bytes);
        Assert.Equal(6, pipe.PagesHeld);
        Assert.Equal(2, pool.FreeCount);

        pipe.Dispose();

        Assert.Equal(8, pool.FreeCount);
        Assert.Equal(0, pipe.PagesHeld);
        pipe.Dispose();
        Assert.Equal(8, pool.FreeCount);
    }

    [Fact]
    public void PipePage_ReleasedByThePipeWhilePinned_StaysOutOfThePoolUntilUnpinned()
    {
        using var pool = new PagePool(4);
        var pipe = new PipeBuffer(pool, 4);
        pipe.Write(TestPattern.Make(PageSize.Bytes + 100));
        var iter = IovIter.Pipe(IterDirection.Source, pipe, PageSize.Bytes + 100);
        var pages = new Page[2];
        Assert.Equal(PageSize.Bytes + 100, iter.PinPages(pages, long.MaxValue, out _));
        Assert.Equal(2, pool.FreeCount);

        // The reader drains the first page: the pipe lets go of it, the pin keeps it.
        pipe.Read(new byte[PageSize.Bytes]);
        Assert.Equal(1, pipe.PagesHeld);
        Assert.Equal(2, pool.FreeCount);
        Assert.Equal(Gup.PinCountingBias, pages[0].RefCount);
        Assert.True(pages[0].MaybeDmaPinned);
        TestPattern.AssertBytes(TestPattern.Make(PageSize.Bytes), pages[0].AsSpan(), "pinned page after the pipe let go of it");

        // Dispose drops the pipe's reference on the second; nothing can reuse either page yet.
        pipe.Dispose();
        Assert.Equal(2, pool.FreeCount);
        Page a = pool.Alloc();
        Page b = pool.Alloc();
        Assert.DoesNotContain(a, pages);
        Assert.DoesNotContain(b, pages);
        Assert.False(pool.TryAlloc(out _));
        a.Put();
        b.Put();

        Gup.UnpinUserPage(pages[0]);
        Assert.Equal(0, pages[0].RefCount);
        Gup.UnpinUserPage(pages[1]);
        Assert.Equal(0, pages[1].RefCount);
        Assert.Equal(4, pool.FreeCount);
    }

    [Fact]
    public void Constructor_RejectsNoPool_AndNoPages()
    {
        using var pool = new PagePool(1);
        Assert.Throws<ArgumentNullException>(() => new PipeBuffer(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PipeBuffer(pool, 0));
    }
}
