using System.Buffers;
using System.Runtime.CompilerServices;
using PinIo.Block;
using PinIo.Devices;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Devices;

/// <summary>
/// The native AIO engine behind FileDevice: integrity against a model at depth 32, more
/// requests than the context holds, submitters on many threads and on the engine's own
/// thread, errors from io_submit and from the completion (each with its errno, pins
/// balanced, as on the other engines), and no managed allocation per I/O in steady state.
/// </summary>
public sealed class LibaioEngineTests(ITestOutputHelper output) : PinBalancedTest
{
    private const long FileSize = 32L << 20;
    private const int Block = 64 * 1024;
    private const int Ios = 2000;

    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(FileMemoryKind.Pool)]
    [InlineData(FileMemoryKind.PinnedManaged)]
    [InlineData(FileMemoryKind.BufferList)]
    [InlineData(FileMemoryKind.Kvec)]
    public async Task RandomReadsAndWritesAtDepth32_MatchTheModelByteForByte(FileMemoryKind kind)
    {
        await using DirectFile file = Open(new DirectFileOptions { QueueDepth = 32, InitialSize = FileSize, BufferPoolBytes = 64L << 20 });
        Assert.Equal(IoEngine.Libaio, file.Engine);
        var runner = new FileIntegrityRunner(file, new FileModel(FileSize), kind, seed: 3000 + (int)kind) { MaxInFlight = 32, MaxLength = 128 * 1024 };

        using (FilePinRecording.Suspend())
        {
            await runner.RunAsync();
        }

        output.WriteLine($"libaio/{kind}: {runner.Reads} reads, {runner.Writes} writes, {runner.MultiBioRequests} multi-bio, {runner.BytesMoved >> 20} MiB");
        Assert.True(runner.Reads + runner.Writes >= 2000);
        Assert.True(runner.Reads > 0 && runner.Writes > 0, "the run did not both read and write");
        Assert.Equal(0, Engine(file).StaleCompletions);
    }

    [Fact]
    public async Task MoreRequestsThanTheContextHolds_AllComplete_ThroughTheWaitingQueue()
    {
        await using DirectFile file = Open(new DirectFileOptions { QueueDepth = 4, InitialSize = 64L * Block });
        IMemoryOwner<byte>[] buffers = [.. Enumerable.Range(0, 64).Select(_ => file.AllocateBuffer(Block))];
        try
        {
            for (int i = 0; i < buffers.Length; i++)
            {
                FileWorkload.Data(Block, seed: i).CopyTo(buffers[i].Memory);
            }
            int[] written = await Task.WhenAll(buffers.Select((b, i) => file.WriteAsync((long)i * Block, b.Memory).AsTask()));
            await file.FlushAsync();
            foreach (IMemoryOwner<byte> buffer in buffers)
            {
                buffer.Memory.Span.Clear();
            }
            int[] read = await Task.WhenAll(buffers.Select((b, i) => file.ReadAsync((long)i * Block, b.Memory).AsTask()));

            Assert.All(written, n => Assert.Equal(Block, n));
            Assert.All(read, n => Assert.Equal(Block, n));
            for (int i = 0; i < buffers.Length; i++)
            {
                FileModel.AssertSame(FileWorkload.Data(Block, seed: i), buffers[i].Memory.Span, (long)i * Block, $"request {i} of 64 on a context of 4");
            }
        }
        finally
        {
            foreach (IMemoryOwner<byte> buffer in buffers)
            {
                buffer.Dispose();
            }
        }
    }

    [Fact]
    public async Task SubmissionsFromManyThreadsAndFromTheEngineThread_AllLandWhereTheyShould()
    {
        const int Threads = 8, PerThread = 64;
        await using DirectFile file = Open(new DirectFileOptions { QueueDepth = 16, InitialSize = (long)Threads * PerThread * 4096, InlineCompletions = true });
        int onEngineThread = 0;
        await Task.WhenAll(Enumerable.Range(0, Threads).Select(t => Task.Run(async () =>
        {
            Memory<byte> buffer = FileBuffers.PinnedAligned(4096);
            for (int i = 0; i < PerThread; i++)
            {
                long offset = ((long)t * PerThread + i) * 4096;
                FileWorkload.Data(4096, seed: (int)(offset / 4096)).CopyTo(buffer);
                // With inline completions most writes after the first are issued from the engine's thread.
                if (file.Device.IsCompletionThread)
                {
                    Interlocked.Increment(ref onEngineThread);
                }
                Assert.Equal(4096, await file.WriteAsync(offset, buffer));
            }
        })));

        Memory<byte> back = FileBuffers.PinnedAligned(4096);
        for (long block = 0; block < Threads * PerThread; block++)
        {
            Assert.Equal(4096, await file.ReadAsync(block * 4096, back));
            FileModel.AssertSame(FileWorkload.Data(4096, seed: (int)block), back.Span, block * 4096, $"block {block}");
        }
        output.WriteLine($"{onEngineThread} of {Threads * PerThread} writes issued on the engine's thread");
        Assert.True(onEngineThread > 0, "no write was issued from a continuation on the engine's thread");
    }

    /// <summary>
    /// A write whose end passes the largest file offset: io_submit itself refuses it
    /// (rw_verify_area, EINVAL) — the engine ends the bio with that errno, and the pins the bio
    /// took on caller memory are released, as on the engines where the syscall fails.
    /// </summary>
    [Theory]
    [InlineData(IoEngine.Libaio)]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    public async Task ABioIoSubmitRefuses_EndsWithItsErrno_AndReleasesItsPins(IoEngine engine)
    {
        using FileDevice device = FileDevice.Open(_dir.File("f"), new FileDeviceOptions { Engine = engine, Create = true, InitialSize = 1 << 20 });
        long pinsBefore = PinStats.Acquired - PinStats.Released;
        long last = long.MaxValue & ~(long)PageSize.OffsetMask;

        Bio bio = await SubmitPinnedAsync(device, BioOp.Write, last, FileBuffers.PinnedAligned(4096));

        Assert.Equal(BlkStatus.Invalid, bio.Status);
        Assert.Equal(Errno.EINVAL, bio.Error);
        Assert.Equal(pinsBefore, PinStats.Acquired - PinStats.Released);
        // The engine is still sound: the next request works.
        Assert.Equal(BlkStatus.Ok, (await SubmitPinnedAsync(device, BioOp.Read, 0, FileBuffers.PinnedAligned(4096))).Status);
        AssertBalanced();
    }

    /// <summary>
    /// A write far past the largest file ext4 holds (16 TiB): io_submit takes it, and its event
    /// carries -EFBIG from the file system. The bio ends with EFBIG, its pins released, on
    /// every engine alike.
    /// </summary>
    [Theory]
    [InlineData(IoEngine.Libaio)]
    [InlineData(IoEngine.IoUring)]
    [InlineData(IoEngine.Sync)]
    public async Task ABioTheFileSystemRefuses_EndsWithTheErrnoOfItsCompletion_AndReleasesItsPins(IoEngine engine)
    {
        using FileDevice device = FileDevice.Open(_dir.File("f"), new FileDeviceOptions { Engine = engine, Create = true, InitialSize = 1 << 20 });
        long pinsBefore = PinStats.Acquired - PinStats.Released;

        Bio bio = await SubmitPinnedAsync(device, BioOp.Write, 1L << 50, FileBuffers.PinnedAligned(4096));

        Assert.True(bio.Error == Errno.EFBIG, $"{bio} ended with {bio.Error}, not EFBIG (is {_dir.Path} on ext4?)");
        Assert.Equal(pinsBefore, PinStats.Acquired - PinStats.Released);
        Assert.Equal(1L << 20, device.Capacity);
        AssertBalanced();
    }

    [Fact]
    public async Task AFileOpenedWithLibaio_ReportsItsEngine_AndRegistersNoBuffers()
    {
        await using DirectFile file = Open(new DirectFileOptions { InitialSize = 1 << 20 });

        Assert.Equal(IoEngine.Libaio, file.Device.Engine);
        Assert.False(file.Device.UsesFixedBuffers);
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(4096);
        Assert.Equal(4096, await file.ReadAsync(0, buffer.Memory));
    }

    /// <summary>
    /// Reads one at a time from pool memory, awaited on one dedicated thread: after a warm-up the
    /// whole process (the engine's thread included) allocates under 8 bytes per I/O, plus, in a
    /// Debug build of PinIo, DirectFile's state machine (a class there).
    /// </summary>
    [Fact]
    public void SteadyStateReads_AllocateNothingPerIo()
    {
        using DirectFile file = Open(new DirectFileOptions { InitialSize = 1 << 20 });
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(4096);
        long stateMachine = FileAllocationSampler.DebugStateMachineBytes(typeof(DirectFile), "TransferIntAsync");
        long bound = (8 + stateMachine) * Ios;

        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3 && least >= bound; attempt++)
        {
            least = Math.Min(least, MeasureOnThread(file, buffer.Memory));
        }

        output.WriteLine($"libaio: {(double)least / Ios:F2} B/IO over {Ios} reads (bound {bound / Ios} B/IO)");
        if (least >= bound)
        {
            using var sampler = new FileAllocationSampler();
            MeasureOnThread(file, buffer.Memory, 20 * Ios);
            Assert.Fail($"{(double)least / Ios:F2} B/IO allocated in steady state, over {bound / Ios} B/IO. Sampled allocations: {sampler.Describe()}");
        }
    }

    private static long MeasureOnThread(DirectFile file, Memory<byte> buffer, int ios = Ios)
    {
        long allocated = 0;
        var thread = new Thread(() =>
        {
            using var done = new ManualResetEventSlim();
            ReadLoop(file, buffer, 500, done);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            ReadLoop(file, buffer, ios, done);
            allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        });
        thread.Start();
        thread.Join();
        return allocated;
    }

    /// <summary>Waits for each read without a Task: a cached continuation sets an event.</summary>
    private static void ReadLoop(DirectFile file, Memory<byte> buffer, int count, ManualResetEventSlim done)
    {
        Action signal = done.Set;
        for (int i = 0; i < count; i++)
        {
            ValueTask<int> pending = file.ReadAsync((i % 256) * 4096L, buffer);
            ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter awaiter = pending.ConfigureAwait(false).GetAwaiter();
            if (!awaiter.IsCompleted)
            {
                done.Reset();
                awaiter.UnsafeOnCompleted(signal);
                done.Wait();
            }
            // Not Assert.Equal: its comparer would allocate inside the measurement.
            if (awaiter.GetResult() != 4096)
            {
                throw new InvalidOperationException($"read {i} was short");
            }
        }
    }

    /// <summary>A raw bio over caller memory, its pages pinned (FOLL_PIN) as DirectIo would, released when it ends.</summary>
    private static Task<Bio> SubmitPinnedAsync(FileDevice device, BioOp op, long position, Memory<byte> memory)
    {
        var bio = new Bio(op, position / QueueLimits.SectorSize, device.Limits);
        IovIter iter = IovIter.User(op == BioOp.Read ? IterDirection.Dest : IterDirection.Source, memory);
        Assert.True(bio.AddPagesFrom(iter) > 0, "the bio took no page");
        Assert.Equal(BioFlags.PagePinned, bio.Flags);
        var ended = new TaskCompletionSource<Bio>(TaskCreationOptions.RunContinuationsAsynchronously);
        bio.EndIo = b =>
        {
            b.ReleasePages(markDirty: b.Op == BioOp.Read && b.Status == BlkStatus.Ok);
            ended.SetResult(b);
        };
        device.Submit(bio);
        return ended.Task;
    }

    private static LibaioEngine Engine(DirectFile file) => (LibaioEngine)file.Device.EngineCore;

    private DirectFile Open(DirectFileOptions options) =>
        DirectFile.Open(_dir.File("f"), new DirectFileOptions
        {
            Engine = IoEngine.Libaio,
            Create = true,
            QueueDepth = options.QueueDepth,
            InitialSize = options.InitialSize,
            BufferPoolBytes = options.BufferPoolBytes,
            InlineCompletions = options.InlineCompletions,
        });

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
