using PinIo.Block;
using PinIo.Devices;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary>
/// The RAM disk as a device: it serves bios that fit its limits, ends the rest with an error
/// and counts them, injects faults, holds completions, and completes inline or on a worker.
/// Bios here are built by hand from pool pages (no pins), as a driver's own caller would.
/// </summary>
public sealed class RamDiskTests : PinBalancedTest
{
    private const long DiskBytes = 1 << 20;

    private readonly PagePool _pool = new(16);
    private readonly List<Page> _pages = [];

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task WriteBioStoresItsVecsInOrderAndReadBioBringsThemBack(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = completion });
        Page a = Alloc();
        Page b = Alloc();
        BlockMemory.FillPattern(a.AsSpan(), seed: 20);
        BlockMemory.FillPattern(b.AsSpan(), seed: 21);
        Bio write = new(BioOp.Write, 16, disk.Limits);
        Assert.True(write.AddPage(a, 1024, 512));
        Assert.True(write.AddPage(b, 2048, 0));

        Assert.Equal(BlkStatus.Ok, await SubmitAndWait(disk, write));

        byte[] raw = new byte[3072];
        disk.ReadRaw(16 * 512, raw);
        DioAssert.SameBytes(a.AsSpan().Slice(512, 1024), raw.AsSpan(0, 1024), "first vec on disk");
        DioAssert.SameBytes(b.AsSpan()[..2048], raw.AsSpan(1024), "second vec on disk");

        Page c = Alloc();
        Bio read = new(BioOp.Read, 16, disk.Limits);
        Assert.True(read.AddPage(c, 3072, 1024));
        Assert.Equal(BlkStatus.Ok, await SubmitAndWait(disk, read));
        DioAssert.SameBytes(raw, c.AsSpan().Slice(1024, 3072), "page after the read bio");
    }

    [Fact]
    public async Task BioWithMoreSegmentsThanTheDiskAllowsEndsInvalidAndIsCounted()
    {
        using var disk = new RamDisk(DiskBytes, new QueueLimits { MaxSegments = 2 });
        Bio bio = new(BioOp.Write, 0, new QueueLimits { MaxSegments = 4 });
        // The first 512 bytes of three pages never touch in memory: three segments.
        for (int i = 0; i < 3; i++)
        {
            Assert.True(bio.AddPage(Alloc(), 512, 0));
        }
        Assert.Equal(3, bio.VecCount);

        Assert.Equal(BlkStatus.Invalid, await SubmitAndWait(disk, bio));
        Assert.Equal(1, disk.LimitViolations);
    }

    [Fact]
    public async Task BioLargerThanMaxSectorsBytesEndsInvalidAndIsCounted()
    {
        using var disk = new RamDisk(DiskBytes, new QueueLimits { MaxSectorsBytes = 4096 });
        Bio bio = new(BioOp.Read, 0, QueueLimits.Default);
        Assert.True(bio.AddPage(Alloc(), 4096, 0));
        Assert.True(bio.AddPage(Alloc(), 4096, 0));

        Assert.Equal(BlkStatus.Invalid, await SubmitAndWait(disk, bio));
        Assert.Equal(1, disk.LimitViolations);
    }

    [Fact]
    public async Task BioWhoseMemoryBreaksDmaAlignmentEndsInvalid()
    {
        using var disk = new RamDisk(DiskBytes);
        byte[] before = new byte[512];
        disk.ReadRaw(0, before);
        Page page = Alloc();
        page.AsSpan().Fill(0xAB);
        Bio bio = new(BioOp.Write, 0, disk.Limits);
        Assert.True(bio.AddPage(page, 512, 8));

        Assert.Equal(BlkStatus.Invalid, await SubmitAndWait(disk, bio));

        Assert.Equal(1, disk.LimitViolations);
        byte[] after = new byte[512];
        disk.ReadRaw(0, after);
        DioAssert.SameBytes(before, after, "disk after a refused write");
    }

    [Fact]
    public async Task BioPastTheEndEndsWithAnIoError()
    {
        using var disk = new RamDisk(DiskBytes);
        Bio bio = new(BioOp.Read, (DiskBytes / 512) - 1, disk.Limits);
        Assert.True(bio.AddPage(Alloc(), 1024, 0));

        Assert.Equal(BlkStatus.IoError, await SubmitAndWait(disk, bio));
        Assert.Equal(0, disk.LimitViolations);
    }

    [Fact]
    public async Task FaultInjectorEndsTheBioWithItsStatusWithoutTransferring()
    {
        using var disk = new RamDisk(DiskBytes) { FaultInjector = _ => BlkStatus.NoSpace };
        Page page = Alloc();
        page.AsSpan().Fill(0xCD);
        Bio bio = new(BioOp.Write, 0, disk.Limits);
        Assert.True(bio.AddPage(page, 4096, 0));

        Assert.Equal(BlkStatus.NoSpace, await SubmitAndWait(disk, bio));

        byte[] raw = new byte[4096];
        disk.ReadRaw(0, raw);
        Assert.True(raw.AsSpan().IndexOfAnyExcept((byte)0) < 0, "a failed write reached the disk");
    }

    [Fact]
    public async Task FlushBioEndsOk()
    {
        using var disk = new RamDisk(DiskBytes);

        Assert.Equal(BlkStatus.Ok, await SubmitAndWait(disk, new Bio(BioOp.Flush, 0, disk.Limits)));
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task HeldBiosStayInFlightUntilTheLastHoldIsReleased(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = completion });
        IDisposable outer = disk.HoldCompletions();
        IDisposable inner = disk.HoldCompletions();
        var done = new TaskCompletionSource<BlkStatus>[3];
        for (int i = 0; i < done.Length; i++)
        {
            Bio bio = new(BioOp.Read, i * 8, disk.Limits);
            Assert.True(bio.AddPage(Alloc(), 4096, 0));
            done[i] = Submit(disk, bio);
        }

        Assert.Equal(3, disk.InFlight);
        inner.Dispose();
        inner.Dispose();
        Assert.Equal(3, disk.InFlight);
        Assert.All(done, d => Assert.False(d.Task.IsCompleted));
        outer.Dispose();

        Assert.Equal([BlkStatus.Ok, BlkStatus.Ok, BlkStatus.Ok], await Task.WhenAll(done.Select(d => d.Task)));
        Assert.Equal(0, disk.InFlight);
    }

    [Fact]
    public void DisposeEndsHeldBiosBeforeFreeingTheDisk()
    {
        var disk = new RamDisk(DiskBytes);
        IDisposable hold = disk.HoldCompletions();
        Bio bio = new(BioOp.Read, 0, disk.Limits);
        Assert.True(bio.AddPage(Alloc(), 4096, 0));
        TaskCompletionSource<BlkStatus> done = Submit(disk, bio);
        Assert.False(done.Task.IsCompleted);

        disk.Dispose();

        Assert.True(done.Task.IsCompletedSuccessfully);
        Assert.Equal(0, disk.InFlight);
        hold.Dispose();
        Assert.Throws<ObjectDisposedException>(() => disk.Submit(new Bio(BioOp.Flush, 0, disk.Limits)));
    }

    [Fact]
    public void InlineCompletionEndsTheBioOnTheSubmittingThreadBeforeSubmitReturns()
    {
        using var disk = new RamDisk(DiskBytes);
        int submitter = Environment.CurrentManagedThreadId;
        int completer = -1;
        Bio bio = new(BioOp.Flush, 0, disk.Limits) { EndIo = _ => completer = Environment.CurrentManagedThreadId };

        disk.Submit(bio);

        Assert.Equal(submitter, completer);
    }

    [Fact]
    public void WorkerCompletionEndsTheBioOnAnotherThread()
    {
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = RamDiskCompletion.Worker });
        using var ended = new ManualResetEventSlim();
        int completer = -1;
        Bio bio = new(BioOp.Flush, 0, disk.Limits)
        {
            EndIo = _ =>
            {
                completer = Environment.CurrentManagedThreadId;
                ended.Set();
            },
        };

        disk.Submit(bio);

        Assert.True(ended.Wait(TimeSpan.FromSeconds(30)), "the worker never ended the bio");
        Assert.NotEqual(Environment.CurrentManagedThreadId, completer);
    }

    /// <summary>
    /// Regression: a worker disk ended its bios on the thread pool, so its completions waited
    /// whenever earlier work had left the pool short of threads (the rate and thinktime tests
    /// in the whole Debug suite). Now every bio ends on the disk's own thread, in order, and
    /// the thread is gone once the disk is disposed.
    /// </summary>
    [Fact]
    public void WorkerCompletionEndsEveryBioOnTheDisksOwnThread_NotThePool_AndStopsItOnDispose()
    {
        var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = RamDiskCompletion.Worker });
        var threads = new Thread[64];
        var onPool = new bool[threads.Length];
        using var ended = new CountdownEvent(threads.Length);
        for (int i = 0; i < threads.Length; i++)
        {
            int index = i;
            disk.Submit(new Bio(BioOp.Flush, 0, disk.Limits)
            {
                EndIo = _ =>
                {
                    threads[index] = Thread.CurrentThread;
                    onPool[index] = Thread.CurrentThread.IsThreadPoolThread;
                    ended.Signal();
                },
            });
        }

        Assert.True(ended.Wait(TimeSpan.FromSeconds(30)), "the disk never ended its bios");
        Assert.All(onPool, pool => Assert.False(pool, "a bio ended on the thread pool"));
        Thread completer = Assert.Single(threads.Distinct());
        Assert.NotEqual(Thread.CurrentThread, completer);
        disk.Dispose();
        Assert.False(completer.IsAlive, "the completion thread outlived its disk");
    }

    [Fact]
    public async Task DisposeWithHeldBiosOnAWorkerDisk_EndsThemAll_FaultedOrNot()
    {
        var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = RamDiskCompletion.Worker })
        {
            FaultInjector = bio => bio.Sector == 8 ? BlkStatus.IoError : BlkStatus.Ok,
        };
        IDisposable hold = disk.HoldCompletions();
        var done = new TaskCompletionSource<BlkStatus>[3];
        for (int i = 0; i < done.Length; i++)
        {
            Bio bio = new(BioOp.Read, i * 8, disk.Limits);
            Assert.True(bio.AddPage(Alloc(), 4096, 0));
            done[i] = Submit(disk, bio);
        }

        disk.Dispose();

        Assert.Equal(0, disk.InFlight);
        Assert.All(done, d => Assert.True(d.Task.IsCompleted, "a bio still in flight after Dispose"));
        Assert.Equal([BlkStatus.Ok, BlkStatus.IoError, BlkStatus.Ok], await Task.WhenAll(done.Select(d => d.Task)));
        hold.Dispose();
    }

    [Fact]
    public void ABioEndThatDisposesItsWorkerDisk_DoesNotWaitForItself()
    {
        var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = RamDiskCompletion.Worker });
        using var disposed = new ManualResetEventSlim();
        disk.Submit(new Bio(BioOp.Flush, 0, disk.Limits)
        {
            EndIo = _ =>
            {
                disk.Dispose();
                disposed.Set();
            },
        });

        Assert.True(disposed.Wait(TimeSpan.FromSeconds(30)), "the disk's Dispose on its own completion thread never returned");
    }

    /// <summary>Regression: fix "RamDisk.Dispose no longer hangs after an OnSubmit hook threw".</summary>
    [Fact]
    public void SubmitHookThatThrowsLeavesNoBioInFlight()
    {
        var disk = new RamDisk(DiskBytes) { OnSubmit = _ => throw new InvalidOperationException("hook failed") };
        Bio bio = new(BioOp.Flush, 0, disk.Limits);

        Assert.Throws<InvalidOperationException>(() => disk.Submit(bio));

        Assert.Equal(0, disk.InFlight);
        Assert.False(bio.IsCompleted);
        disk.Dispose();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-512)]
    [InlineData(1000)]
    public void CapacityMustBeAPositiveMultipleOfTheLogicalBlock(long capacity)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RamDisk(capacity));
    }

    [Fact]
    public void RawAccessOutsideTheDiskThrows()
    {
        using var disk = new RamDisk(DiskBytes);
        byte[] buffer = new byte[512];

        Assert.Throws<ArgumentOutOfRangeException>(() => disk.ReadRaw(DiskBytes - 256, buffer));
        Assert.Throws<ArgumentOutOfRangeException>(() => disk.WriteRaw(-1, buffer));
        disk.WriteRaw(DiskBytes - 512, buffer);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (Page page in _pages)
            {
                page.Put();
            }
            _pool.Dispose();
        }
        base.Dispose(disposing);
    }

    private static TaskCompletionSource<BlkStatus> Submit(RamDisk disk, Bio bio)
    {
        var done = new TaskCompletionSource<BlkStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        bio.EndIo = b => done.SetResult(b.Status);
        disk.Submit(bio);
        return done;
    }

    private static Task<BlkStatus> SubmitAndWait(RamDisk disk, Bio bio) => Submit(disk, bio).Task;

    private Page Alloc()
    {
        Page page = _pool.Alloc();
        _pages.Add(page);
        return page;
    }
}
