using System.Runtime.CompilerServices;
using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// What pins guarantee while a request is in flight and how they end: managed memory under I/O
/// does not move, pages a read filled are dirtied before they are unpinned.
/// </summary>
public sealed class DirectIoPinLifetimeTests : PinBalancedTest
{
    private const int ArrayBytes = 32 * 1024;
    private const int IoOffset = 1000;
    private const int IoBytes = 16 * 1024;

    private readonly PagePool _pool = new(64);

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task ManagedArrayUnderReadIsNotMovedByCompactingCollections(RamDiskCompletion completion)
    {
        Assert.Equal(0, IoOffset % 8);
        using var disk = new RamDisk(1 << 20, new RamDiskOptions { Limits = new QueueLimits { DmaAlignment = 8 }, Completion = completion });
        byte[] data = new byte[IoBytes];
        BlockMemory.FillPattern(data, seed: 5);
        disk.WriteRaw(8192, data);
        BlockBioRecorder recorder = BlockBioRecorder.Attach(disk);
        byte[] array = ArrayAmongGarbage();
        long gcPinned = PinStats.GcPinnedBuffers;
        ValueTask<long> pending;
        nint before;

        using (disk.HoldCompletions())
        {
            pending = DirectIo.ReadAsync(disk, 8192, IovIter.User(IterDirection.Dest, array.AsMemory(IoOffset, IoBytes)));
            before = AddressOf(array);
            Assert.True(PinStats.GcPinnedBuffers > gcPinned, "the array under I/O is GC-pinned");
            for (int i = 0; i < 3; i++)
            {
                MakeGarbage();
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            }
            Assert.Equal(before, AddressOf(array));
            Assert.Equal(before + IoOffset, recorder.Bios[0].Vecs[0].Address);
            Assert.False(pending.IsCompleted);
        }

        Assert.Equal(IoBytes, await pending);
        DioAssert.SameBytes(data, array.AsSpan(IoOffset, IoBytes), "array after the read");
        Assert.Equal(gcPinned, PinStats.GcPinnedBuffers);
        GC.KeepAlive(array);
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task ReadDirtiesThePinnedPagesItFilled(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(1 << 20, new RamDiskOptions { Completion = completion, Limits = new QueueLimits { MaxSectorsBytes = 8192 } });
        using var memory = new BlockPoolMemory(_pool, 4);
        bool dirtyAtSubmit = true;
        BlockBioRecorder recorder = BlockBioRecorder.Attach(disk, (bio, index) =>
        {
            if (index == 0)
            {
                dirtyAtSubmit = memory.Pages.Any(p => p.IsDirty);
            }
        });

        long read = await DirectIo.ReadAsync(disk, 0, IovIter.User(IterDirection.Dest, memory.Memory));

        Assert.Equal(4 * PageSize.Bytes, read);
        Assert.False(dirtyAtSubmit);
        Assert.Equal(2, recorder.Bios.Count);
        Assert.All(recorder.Bios, b => Assert.Equal(BioFlags.PagePinned, b.Flags));
        Assert.All(memory.Pages, p => Assert.Equal((true, 0, 1), (p.IsDirty, p.PinCount, p.RefCount)));
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task WriteLeavesThePinnedPagesItDrainedClean(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(1 << 20, new RamDiskOptions { Completion = completion });
        using var memory = new BlockPoolMemory(_pool, 4);

        long written = await DirectIo.WriteAsync(disk, 0, IovIter.User(IterDirection.Source, memory.Memory));

        Assert.Equal(4 * PageSize.Bytes, written);
        Assert.All(memory.Pages, p => Assert.Equal((false, 0, 1), (p.IsDirty, p.PinCount, p.RefCount)));
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task ReadIntoAPipeDirtiesItsPagesAndLeavesThemHeldOnlyByThePipe(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(1 << 20, new RamDiskOptions { Completion = completion });
        using var pipe = new PipeBuffer(_pool, maxPages: 4);
        var pages = new List<Page>();
        long pinsBefore = PinStats.Acquired - PinStats.Released;
        BlockBioRecorder.Attach(disk, (bio, _) =>
        {
            pages.AddRange(bio.VecSpan.ToArray().Select(v => v.Page));
            Assert.Equal(4, PinStats.Acquired - PinStats.Released - pinsBefore);
        });

        long read = await DirectIo.ReadAsync(disk, 0, IovIter.Pipe(IterDirection.Dest, pipe, 4 * PageSize.Bytes));

        Assert.Equal(4 * PageSize.Bytes, read);
        Assert.Equal(4 * PageSize.Bytes, pipe.Length);
        Assert.NotEmpty(pages);
        Assert.All(pages, p => Assert.Equal((true, 0, 1), (p.IsDirty, p.PinCount, p.RefCount)));
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task WriteFromAPipeLeavesItsPagesClean(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(1 << 20, new RamDiskOptions { Completion = completion });
        using var pipe = new PipeBuffer(_pool, maxPages: 4);
        byte[] data = new byte[4 * PageSize.Bytes];
        BlockMemory.FillPattern(data, seed: 6);
        pipe.Write(data);
        var pages = new List<Page>();
        BlockBioRecorder.Attach(disk, (bio, _) => pages.AddRange(bio.VecSpan.ToArray().Select(v => v.Page)));

        long written = await DirectIo.WriteAsync(disk, 0, IovIter.Pipe(IterDirection.Source, pipe, data.Length));

        Assert.Equal(data.Length, written);
        Assert.NotEmpty(pages);
        Assert.All(pages, p => Assert.Equal((false, 0, 1), (p.IsDirty, p.PinCount, p.RefCount)));
        byte[] back = new byte[data.Length];
        disk.ReadRaw(0, back);
        DioAssert.SameBytes(data, back, "disk after a write from a pipe");
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task BvecAndKvecRequestsTakeNoPinAndLeavePageCountsAlone(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(1 << 20, new RamDiskOptions { Completion = completion, Limits = new QueueLimits { MaxSectorsBytes = 8192 } });
        BlockBioRecorder recorder = BlockBioRecorder.Attach(disk);
        using var native = new BlockNativeBuffer(4 * PageSize.Bytes);
        Page[] pages = [.. Enumerable.Range(0, 4).Select(_ => _pool.Alloc())];
        try
        {
            long acquired = PinStats.Acquired;
            int userPages = PageTable.ReferencedUserPages;
            ValueTask<long> kvec;
            ValueTask<long> bvec;

            using (disk.HoldCompletions())
            {
                kvec = DirectIo.WriteAsync(disk, 0, IovIter.Kernel(IterDirection.Source, [new KernelVec(native.Address, native.Length)]));
                bvec = DirectIo.ReadAsync(disk, 65536, IovIter.Pages(IterDirection.Dest, [.. pages.Select(p => new BioVec(p, 0, PageSize.Bytes))]));
                Assert.Equal(acquired, PinStats.Acquired);
                Assert.Equal(userPages, PageTable.ReferencedUserPages);
                Assert.All(pages, p => Assert.Equal((1, 0), (p.RefCount, p.PinCount)));
            }

            Assert.Equal((native.Length, 4L * PageSize.Bytes), (await kvec, await bvec));
            Assert.Equal(4, recorder.Bios.Count);
            Assert.All(recorder.Bios, b => Assert.Equal(BioFlags.NoPageRef, b.Flags));
            Assert.Equal(acquired, PinStats.Acquired);
            Assert.All(pages, p => Assert.Equal((1, 0, false), (p.RefCount, p.PinCount, p.IsDirty)));
        }
        finally
        {
            foreach (Page page in pages)
            {
                page.Put();
            }
        }
    }

    [Fact]
    public async Task PoolPageUnderReadReturnsToThePoolOnlyWhenTheReadUnpinsIt()
    {
        using var disk = new RamDisk(1 << 20);
        var memory = new BlockPoolMemory(_pool, 1);
        int free = _pool.FreeCount;
        ValueTask<long> pending;

        using (disk.HoldCompletions())
        {
            pending = DirectIo.ReadAsync(disk, 0, IovIter.User(IterDirection.Dest, memory.Memory));
            ((IDisposable)memory).Dispose();
            Assert.Equal(free, _pool.FreeCount);
            Assert.True(memory.Pages[0].MaybeDmaPinned);
        }

        Assert.Equal(PageSize.Bytes, await pending);
        Assert.Equal(free + 1, _pool.FreeCount);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pool.Dispose();
        }
        base.Dispose(disposing);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static byte[] ArrayAmongGarbage()
    {
        MakeGarbage();
        byte[] array = new byte[ArrayBytes];
        MakeGarbage();
        return array;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MakeGarbage()
    {
        for (int i = 0; i < 200; i++)
        {
            GC.KeepAlive(new byte[(i % 7 + 1) * 512]);
        }
    }

    private static unsafe nint AddressOf(byte[] array)
    {
        fixed (byte* p = array)
        {
            return (nint)p;
        }
    }
}
