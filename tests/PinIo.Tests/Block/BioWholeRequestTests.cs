using System.Buffers;
using CsCheck;
using PinIo.Block;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Block;

/// <summary>
/// An empty bio takes the common Direct I/O request in one step: user memory that lies whole in
/// one run of pool memory (pinned straight from the pool), or a bvec iterator whose rest is one
/// vec (bio_iov_bvec_set: the vec itself, no page taken). That step must leave the bio, the pages
/// and the iterator exactly as the general extraction does: the same vecs, one pin per pinned
/// page, counted where the general path counts them, the iterator at its end. The pool run's
/// model is the same memory behind an empty first segment, which the one-step path refuses; the
/// bvec's is the page pieces packed into segments (<see cref="BioPlacementPropertyTests"/>).
/// </summary>
public sealed class BioWholeRequestTests : PinBalancedTest
{
    private const int Pages = 12;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void APoolRunTakenInOneStepMatchesTheGeneralExtraction(bool recordOwners)
    {
        using FilePinRecording? recording = recordOwners ? null : FilePinRecording.Suspend();
        using var pool = new PagePool(2 * Pages + 8);
        // Memory of 1 to 12 pages at a random place in the pool, the range anywhere in it: a range
        // over every page of its memory takes the folio pin, any other each page's pin.
        Gen.Select(Gen.Int[1, Pages], Gen.Int[0, 4], Gen.Int[0, 15], Gen.Int[1, 8 * 8], Gen.Int[8, 160], Gen.Bool).Sample((memoryPages, skipPages, startSectors, lengthSectors, segmentSectors, read) =>
        {
            using IMemoryOwner<byte> skipped = pool.AllocateMemory((skipPages + 1) * PageSize.Bytes);
            using IMemoryOwner<byte> memory = pool.AllocateMemory(memoryPages * PageSize.Bytes);
            int start = Math.Min(startSectors * 512, memory.Memory.Length - 512);
            Memory<byte> range = memory.Memory.Slice(start, Math.Min(lengthSectors * 512, memory.Memory.Length - start));
            var limits = new QueueLimits { MaxSegmentSize = segmentSectors * 512, MaxSegments = 256 };
            Built oneStep = Build(limits, read, [range], pool);
            Built general = Build(limits, read, [Memory<byte>.Empty, range], pool);
            Assert.Equal(general.Added, oneStep.Added);
            Assert.Equal(general.Vecs, oneStep.Vecs);
            Assert.Equal(general.Bio.Flags, oneStep.Bio.Flags);
            Assert.Equal(general.PagePins, oneStep.PagePins);
            Assert.Equal(general.PageRefs, oneStep.PageRefs);
            Assert.Equal(general.PinsHeld, oneStep.PinsHeld);
            Assert.Equal(general.CounterHeld, oneStep.CounterHeld);
            Assert.Equal((general.Iter.Count, general.Iter.Consumed), (oneStep.Iter.Count, oneStep.Iter.Consumed));
            Assert.Equal(0L, oneStep.PinsHeld - oneStep.PinsReleased);
            Assert.Equal(oneStep.Counter.Acquired, oneStep.Counter.Released);
        }, iter: 300, threads: 1); // one at a time: the pins counted are the whole process's
    }

    [Fact]
    public void ABvecRequestBecomesItsPagePiecesPackedIntoSegmentsAndTakesNoPage()
    {
        using var pool = new PagePool(Pages + 4);
        using IMemoryOwner<byte> memory = pool.AllocateMemory(Pages * PageSize.Bytes);
        Page first = pool[pool.IndexOf(BlockMemory.AddressOf(memory.Memory))];
        int[] refs = [.. Enumerable.Range(0, pool.Capacity).Select(i => pool[i].RefCount)];
        Gen.Select(Gen.Int[0, 15], Gen.Int[0, 8], Gen.Int[1, 8 * 8], Gen.Int[8, 160]).Sample((vecSectors, skipSectors, lengthSectors, segmentSectors) =>
        {
            var vec = new BioVec(first, vecSectors * 512, (skipSectors + lengthSectors) * 512);
            var limits = new QueueLimits { MaxSegmentSize = segmentSectors * 512, MaxSegments = 256 };
            int skip = skipSectors * 512;
            int length = lengthSectors * 512;
            IovIter iter = IovIter.Pages(IterDirection.Dest, [vec]);
            iter.Advance(skip);
            var bio = new Bio(BioOp.Read, 0, limits);

            Assert.Equal(length, bio.AddPagesFrom(iter));

            Assert.Equal(BioPlacementPropertyTests.Packed(vec.Address + skip, length, limits.MaxSegmentSize), bio.Vecs.Select(v => (v.Address, v.Length)));
            Assert.Equal(length, bio.Size);
            Assert.Equal(BioFlags.NoPageRef, bio.Flags);
            Assert.Equal((0L, (long)skip + length), (iter.Count, iter.Consumed));
            Assert.Equal(refs, Enumerable.Range(0, pool.Capacity).Select(i => pool[i].RefCount));
            Assert.All(Enumerable.Range(0, pool.Capacity), i => Assert.Equal(0, pool[i].PinCount));
            bio.ReleasePages(markDirty: true);
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void ARestartedIteratorTakesItsPoolRunAgainAndEveryPinIsReleased()
    {
        using var pool = new PagePool(4);
        using IMemoryOwner<byte> memory = pool.AllocateMemory(2 * PageSize.Bytes);
        IovIter iter = IovIter.User(IterDirection.Dest, memory.Memory[512..(512 + PageSize.Bytes)]);
        Page first = pool[pool.IndexOf(BlockMemory.AddressOf(memory.Memory))];
        for (int round = 0; round < 3; round++)
        {
            var bio = new Bio(BioOp.Read, 0, QueueLimits.Default);
            Assert.Equal(PageSize.Bytes, bio.AddPagesFrom(iter));
            Assert.Equal([(first.Address + 512, PageSize.Bytes)], bio.Vecs.Select(v => (v.Address, v.Length)));
            Assert.Equal(1, first.PinCount);
            bio.ReleasePages(markDirty: true);
            Assert.Equal(0, first.PinCount);
            iter.Restart();
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void APoolRunIsReleasedDirtyAfterARead_AndCleanAfterAWrite(bool recordOwners)
    {
        using FilePinRecording? recording = recordOwners ? null : FilePinRecording.Suspend();
        using var pool = new PagePool(8);
        using IMemoryOwner<byte> memory = pool.AllocateMemory(3 * PageSize.Bytes);
        int firstIndex = pool.IndexOf(BlockMemory.AddressOf(memory.Memory));
        Page[] pages = [pool[firstIndex], pool[firstIndex + 1], pool[firstIndex + 2]];
        foreach (BioOp op in new[] { BioOp.Write, BioOp.Read })
        {
            IovIter iter = IovIter.User(op == BioOp.Read ? IterDirection.Dest : IterDirection.Source, memory.Memory[512..^512]);
            var bio = new Bio(op, 0, QueueLimits.Default);
            Assert.Equal(3 * PageSize.Bytes - 1024, bio.AddPagesFrom(iter));
            Assert.All(pages, p => Assert.Equal((1, false), (p.PinCount, p.IsDirty)));

            bio.ReleasePages(markDirty: op == BioOp.Read);

            Assert.All(pages, p => Assert.Equal((0, op == BioOp.Read), (p.PinCount, p.IsDirty)));
        }
    }

    [Fact]
    public void DisposedPoolMemoryFailsTheBioWithNothingPinnedAndNothingRecorded()
    {
        using var pool = new PagePool(4);
        IMemoryOwner<byte> memory = pool.AllocateMemory(PageSize.Bytes);
        IovIter iter = IovIter.User(IterDirection.Source, memory.Memory);
        var warm = new Bio(BioOp.Write, 0, QueueLimits.Default);
        warm.AddPagesFrom(iter); // the iterator now knows its segment is pool memory
        warm.ReleasePages(markDirty: false);
        iter.Restart();
        memory.Dispose();
        var bio = new Bio(BioOp.Write, 0, QueueLimits.Default);

        Assert.Throws<ObjectDisposedException>(() => bio.AddPagesFrom(iter));

        Assert.Equal(0, bio.Size);
        Assert.Equal(0, bio.VecCount);
        Assert.Equal(PageSize.Bytes, iter.Count);
        bio.ReleasePages(markDirty: false); // nothing recorded: nothing released twice
        Assert.Equal(pool.Capacity, pool.FreeCount);
    }

    /// <summary>Fills a bio from the segments, notes what it holds and each pool page's pins, and releases it.</summary>
    private static Built Build(QueueLimits limits, bool read, Memory<byte>[] segments, PagePool pool)
    {
        var counter = new PinCounter();
        IovIter iter = IovIter.User(read ? IterDirection.Dest : IterDirection.Source, segments);
        iter.PinCounter = counter;
        var bio = new Bio(read ? BioOp.Read : BioOp.Write, 0, limits);
        long held = PinStats.Acquired - PinStats.Released;
        long added = bio.AddPagesFrom(iter);
        var built = new Built(bio, iter, counter, added, [.. bio.Vecs.Select(v => (v.Address, v.Length))], PinStats.Acquired - PinStats.Released - held,
            counter.Acquired - counter.Released, [.. Enumerable.Range(0, pool.Capacity).Select(i => pool[i].PinCount)],
            [.. Enumerable.Range(0, pool.Capacity).Select(i => pool[i].RefCount)]);
        built.Release();
        return built;
    }

    private sealed record Built(Bio Bio, IovIter Iter, PinCounter Counter, long Added, List<(nint Address, int Length)> Vecs, long PinsHeld, long CounterHeld, int[] PagePins, int[] PageRefs)
    {
        public long PinsReleased { get; private set; }

        public void Release()
        {
            long released = PinStats.Released;
            Bio.ReleasePages(markDirty: Bio.Op == BioOp.Read);
            PinsReleased = PinStats.Released - released;
        }
    }
}
