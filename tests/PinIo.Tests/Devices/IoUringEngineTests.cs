using System.Buffers;
using System.Runtime.CompilerServices;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Devices;

/// <summary>
/// The io_uring engine behind FileDevice: more requests than ring slots, submitters on many
/// threads and on the ring's own thread, flushes, stale completions, fixed buffers, and no
/// managed allocation per I/O in steady state.
/// </summary>
public sealed class IoUringEngineTests(ITestOutputHelper output) : PinBalancedTest
{
    private const int Block = 64 * 1024;

    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task MoreRequestsThanTheRingHolds_AllComplete_ThroughTheWaitingQueue()
    {
        await using DirectFile file = Open(new DirectFileOptions { QueueDepth = 4, InitialSize = 64L * Block });
        Assert.Equal(IoEngine.IoUring, file.Engine);
        var buffers = Enumerable.Range(0, 64).Select(_ => file.AllocateBuffer(Block)).ToArray();
        try
        {
            for (int i = 0; i < buffers.Length; i++)
            {
                FileWorkload.Data(Block, seed: i).CopyTo(buffers[i].Memory);
            }

            int[] written = await Task.WhenAll(buffers.Select((b, i) => file.WriteAsync((long)i * Block, b.Memory).AsTask()));
            foreach (IMemoryOwner<byte> buffer in buffers)
            {
                buffer.Memory.Span.Clear();
            }
            int[] read = await Task.WhenAll(buffers.Select((b, i) => file.ReadAsync((long)i * Block, b.Memory).AsTask()));

            Assert.All(written, n => Assert.Equal(Block, n));
            Assert.All(read, n => Assert.Equal(Block, n));
            for (int i = 0; i < buffers.Length; i++)
            {
                FileModel.AssertSame(FileWorkload.Data(Block, seed: i), buffers[i].Memory.Span, (long)i * Block, $"request {i} of 64 on a ring of 4");
            }
            Assert.Equal(0, StaleCompletions(file));
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
    public async Task MultiBioRequestsOnASmallRing_AllComplete()
    {
        // Each request is several bios (8 MiB each), so one request alone overfills a ring of 4.
        await using DirectFile file = Open(new DirectFileOptions { QueueDepth = 4 });
        using FilePinRecording quiet = FilePinRecording.Suspend();
        int length = (3 * file.Device.Limits.MaxSectorsBytes) + 4096;
        Memory<byte>[] buffers = [.. Enumerable.Range(0, 3).Select(i => FileBuffers.PinnedAligned(length))];
        for (int i = 0; i < buffers.Length; i++)
        {
            FileWorkload.Data(length, seed: 40 + i).CopyTo(buffers[i]);
        }

        int[] written = await Task.WhenAll(buffers.Select((b, i) => file.WriteAsync((long)i * length, b).AsTask()));
        foreach (Memory<byte> buffer in buffers)
        {
            buffer.Span.Clear();
        }
        int[] read = await Task.WhenAll(buffers.Select((b, i) => file.ReadAsync((long)i * length, b).AsTask()));

        Assert.All(written.Concat(read), n => Assert.Equal(length, n));
        for (int i = 0; i < buffers.Length; i++)
        {
            FileModel.AssertSame(FileWorkload.Data(length, seed: 40 + i), buffers[i].Span, (long)i * length, $"multi-bio request {i}");
        }
        Assert.Equal(0, StaleCompletions(file));
    }

    [Fact]
    public async Task SubmissionsFromManyThreadsAtOnce_AllLandWhereTheyShould()
    {
        const int Threads = 8, PerThread = 150, Slot = 16 * 1024;
        await using DirectFile file = Open(new DirectFileOptions { QueueDepth = 16, InitialSize = (long)Threads * PerThread * Slot });
        using FilePinRecording quiet = FilePinRecording.Suspend();
        using var go = new ManualResetEventSlim();
        Task[] workers = [.. Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(() =>
        {
            using IMemoryOwner<byte> pool = file.AllocateBuffer(Slot);
            Memory<byte> managed = FileBuffers.PinnedAligned(Slot);
            go.Wait();
            for (int i = 0; i < PerThread; i++)
            {
                long offset = ((long)((i * Threads) + t)) * Slot;
                FileWorkload.Data(Slot, seed: (t * 1000) + i).CopyTo(i % 2 == 0 ? pool.Memory : managed);
                // Alternate blocking calls and awaited ones, pool memory and managed memory.
                int n = i % 2 == 0 ? file.Write(offset, pool.Memory) : file.WriteAsync(offset, managed).AsTask().GetAwaiter().GetResult();
                Assert.Equal(Slot, n);
            }
        }, TaskCreationOptions.LongRunning))];

        go.Set();
        await Task.WhenAll(workers);

        Memory<byte> back = FileBuffers.PinnedAligned(Slot);
        for (int t = 0; t < Threads; t++)
        {
            for (int i = 0; i < PerThread; i++)
            {
                long offset = ((long)((i * Threads) + t)) * Slot;
                Assert.Equal(Slot, await file.ReadAsync(offset, back));
                FileModel.AssertSame(FileWorkload.Data(Slot, seed: (t * 1000) + i), back.Span, offset, $"thread {t} write {i}");
            }
        }
        Assert.Equal(0, StaleCompletions(file));
    }

    [Fact]
    public async Task FlushAsync_CompletesAlone_AndAmongWrites_OnASmallRing()
    {
        await using DirectFile file = Open(new DirectFileOptions { QueueDepth = 4 });
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(Block);
        await file.FlushAsync();

        var pending = new List<Task>();
        for (int i = 0; i < 32; i++)
        {
            pending.Add(file.WriteAsync((long)i * Block, buffer.Memory).AsTask());
            pending.Add(file.FlushAsync().AsTask());
        }
        await Task.WhenAll(pending);

        Assert.Equal(32L * Block, file.Length);
        Assert.Equal(0, StaleCompletions(file));
    }

    [Fact]
    public async Task ThePoolIsRegistered_AsFixedBuffers_AndWithoutAPoolNothingIs()
    {
        await using DirectFile withPool = Open(new DirectFileOptions());
        await using DirectFile withoutPool = Open(new DirectFileOptions { BufferPoolBytes = 0 }, "nopool");

        Assert.True(withPool.Device.UsesFixedBuffers);
        Assert.NotNull(withPool.Device.BufferPool);
        Assert.False(withoutPool.Device.UsesFixedBuffers);
        Assert.Null(withoutPool.Device.BufferPool);
        Memory<byte> managed = FileBuffers.PinnedAligned(Block);
        Assert.Equal(Block, await withoutPool.WriteAsync(0, managed));
    }

    [Fact]
    public async Task WithInlineCompletions_TheContinuationRunsOnTheRingThread_AndCanSubmitFromThere()
    {
        await using DirectFile file = Open(new DirectFileOptions { InlineCompletions = true, InitialSize = 1 << 20 });
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(Block);
        Memory<byte> managed = FileBuffers.PinnedAligned(Block);
        FileWorkload.Data(Block, seed: 8).CopyTo(buffer.Memory);
        Assert.Equal(Block, await file.WriteAsync(Block, buffer.Memory));

        (string? thread, int read) = await ContinueThenSubmitFromThereAsync(file, buffer.Memory, managed);

        Assert.Equal("pinio-uring", thread);
        Assert.Equal(Block, read);
        FileModel.AssertSame(FileWorkload.Data(Block, seed: 8), managed.Span, Block, "read submitted from the ring thread");
        Assert.Equal(0, StaleCompletions(file));
    }

    /// <summary>
    /// Issues reads of written blocks until one's continuation runs on the ring thread (a
    /// read that completes between the pending check and the registration has its
    /// continuation queued to the thread pool instead, as for any ValueTask); that
    /// continuation submits another read from there (a submission from the ring's own thread
    /// goes straight into the ring). Returns the thread of the last continuation seen.
    /// </summary>
    private static async Task<(string? Thread, int Read)> ContinueThenSubmitFromThereAsync(DirectFile file, Memory<byte> pool, Memory<byte> managed)
    {
        string? thread = null;
        for (int i = 0; i < 200; i++)
        {
            ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter awaiter = AwaiterOf(file.ReadAsync(Block, pool));
            if (awaiter.IsCompleted)
            {
                awaiter.GetResult();
                continue;
            }
            var continued = new TaskCompletionSource<(string? Thread, Task<int>? Read)>(TaskCreationOptions.RunContinuationsAsynchronously);
            awaiter.UnsafeOnCompleted(() =>
            {
                awaiter.GetResult();
                string? name = Thread.CurrentThread.Name;
                continued.SetResult((name, name == "pinio-uring" ? file.ReadAsync(Block, managed).AsTask() : null));
            });
            (thread, Task<int>? read) = await continued.Task;
            if (read is not null)
            {
                return (thread, await read);
            }
        }
        return (thread, 0);
    }

    private static ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter AwaiterOf(ValueTask<int> pending) => pending.ConfigureAwait(false).GetAwaiter();

    [Fact]
    public async Task DisposedFromAnInlineContinuationOnTheRingThread_EveryOtherRequestStillEnds()
    {
        // Dispose cannot wait for the ring on the ring's own thread (it throws there, see
        // FileDeviceDisposeTests); DisposeAsync can: it must still end every request in flight
        // and free nothing under I/O.
        DirectFile file = Open(new DirectFileOptions { InlineCompletions = true, InitialSize = 64L * Block, BufferPoolBytes = 0 });
        using FilePinRecording quiet = FilePinRecording.Suspend();
        Memory<byte>[] buffers = [.. Enumerable.Range(0, 32).Select(_ => FileBuffers.PinnedAligned(Block))];
        var disposedOn = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var others = new List<Task<int>>();

        Task<int> first = DisposeWhenDoneAsync(file, buffers[0], disposedOn);
        for (int i = 1; i < buffers.Length; i++)
        {
            try
            {
                others.Add(file.ReadAsync((long)i * Block, buffers[i]).AsTask());
            }
            catch (DirectIoException e) when (e.Errno == Errno.EBADF)
            {
                break;
            }
        }
        await first;
        output.WriteLine($"disposed on '{await disposedOn.Task}' with {others.Count} other reads submitted");

        foreach (Task<int> other in others)
        {
            try
            {
                Assert.Equal(Block, await other);
            }
            catch (DirectIoException e)
            {
                Assert.Equal(Errno.EBADF, e.Errno);
            }
        }
        file.Dispose();
    }

    private static async Task<int> DisposeWhenDoneAsync(DirectFile file, Memory<byte> buffer, TaskCompletionSource<string?> disposedOn)
    {
        int n = await file.ReadAsync(0, buffer).ConfigureAwait(false);
        string? thread = Thread.CurrentThread.Name;
        await file.DisposeAsync().ConfigureAwait(false);
        disposedOn.SetResult(thread);
        return n;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SteadyStateReads_FromPoolMemory_AllocateNothingPerIo_OnTheWaitingThread(bool inlineCompletions)
    {
        using DirectFile file = Open(new DirectFileOptions { InitialSize = 1 << 20, InlineCompletions = inlineCompletions });
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(4096);

        // One dedicated thread submits and waits for each read in turn, without a Task.
        (long, long, bool) Measure()
        {
            long threadBytes = 0, totalBytes = 0;
            RunOnThread(() =>
            {
                using var waiter = new FileWaiter();
                waiter.ReadLoop(file, buffer.Memory, 500);
                long thread0 = GC.GetAllocatedBytesForCurrentThread();
                long total0 = GC.GetTotalAllocatedBytes(precise: true);
                waiter.ReadLoop(file, buffer.Memory, Ios);
                totalBytes = GC.GetTotalAllocatedBytes(precise: true) - total0;
                threadBytes = GC.GetAllocatedBytesForCurrentThread() - thread0;
            });
            return (threadBytes, totalBytes, true);
        }

        AssertAllocationFree(Measure, $"InlineCompletions={inlineCompletions}: waiting thread", () => RunOnThread(() =>
        {
            using var waiter = new FileWaiter();
            waiter.ReadLoop(file, buffer.Memory, 20 * Ios);
        }));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SteadyStateAwaitedReads_FromPoolMemory_AllocateNothingPerIo(bool inlineCompletions)
    {
        await using DirectFile file = Open(new DirectFileOptions { InitialSize = 1 << 20, InlineCompletions = inlineCompletions });
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(4096);

        // With one thread throughout (always so with inline completions: the ring thread), the
        // per-thread count covers every await; otherwise the continuations hopped between pool threads.
        (long, long, bool) Measure() => AwaitLoopAsync(file, buffer.Memory, Ios).GetAwaiter().GetResult();

        await Task.Yield();
        AssertAllocationFree(Measure, $"awaited, InlineCompletions={inlineCompletions}: awaiting thread",
            () => AwaitLoopAsync(file, buffer.Memory, 20 * Ios).GetAwaiter().GetResult());
    }

    private const int Ios = 2000;

    /// <summary>
    /// The bound is 8 bytes per I/O on average. A Debug build of PinIo compiles
    /// DirectFile.TransferIntAsync's state machine as a class, allocated on every call (the
    /// pooling builder pools only its box), so there the bound adds that one object per I/O;
    /// an optimized build must allocate nothing. Over the bound, a second run under an
    /// allocation sampler names the types that allocate.
    /// </summary>
    private void AssertAllocationFree(Func<(long ThreadBytes, long TotalBytes, bool OneThread)> measure, string what, Action diagnose)
    {
        long stateMachine = FileAllocationSampler.DebugStateMachineBytes(typeof(DirectFile), "TransferIntAsync");
        long bound = (8 + stateMachine) * Ios;
        // A steady state allocates the same every time; a one-off (a thread-pool thread made
        // under load, a queue segment grown) does not recur. Three measurements, the least counts.
        string figures = "";
        for (int attempt = 0; attempt < 3; attempt++)
        {
            (long threadBytes, long totalBytes, bool oneThread) = measure();
            long perThread = oneThread ? threadBytes : 0;
            figures = $"{what} {(oneThread ? PerIo(threadBytes) : "changed between reads;")} B/IO, whole process {PerIo(totalBytes)} B/IO over {Ios} reads";
            output.WriteLine(figures + (stateMachine > 0
                ? $" (Debug build of PinIo: DirectFile.<TransferIntAsync> state machine is a {stateMachine}-byte class per call; bound {8 + stateMachine} B/IO)"
                : " (optimized build; bound 8 B/IO)"));
            if (perThread < bound && totalBytes < bound)
            {
                return;
            }
        }
        using var sampler = new FileAllocationSampler();
        diagnose();
        Assert.Fail($"{figures}: over {bound / Ios} B/IO in three measurements. Sampled allocations: {sampler.Describe()}");
    }

    private static string PerIo(long bytes) => ((double)bytes / Ios).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);

    private static void RunOnThread(Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception e) when (e is DirectIoException or InvalidOperationException)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException("the read loop failed", failure);
        }
    }

    /// <summary>
    /// Warms up, then awaits <paramref name="ios"/> reads one at a time and measures the
    /// allocations over them.
    /// </summary>
    private static async Task<(long ThreadBytes, long TotalBytes, bool OneThread)> AwaitLoopAsync(DirectFile file, Memory<byte> buffer, int ios)
    {
        for (int i = 0; i < 500; i++)
        {
            await file.ReadAsync((i % 256) * 4096L, buffer).ConfigureAwait(false);
        }
        int threadId = Environment.CurrentManagedThreadId;
        bool oneThread = true;
        long thread0 = GC.GetAllocatedBytesForCurrentThread();
        long total0 = GC.GetTotalAllocatedBytes(precise: true);
        for (int i = 0; i < ios; i++)
        {
            await file.ReadAsync((i % 256) * 4096L, buffer).ConfigureAwait(false);
            oneThread &= Environment.CurrentManagedThreadId == threadId;
        }
        long total = GC.GetTotalAllocatedBytes(precise: true) - total0;
        long thread = GC.GetAllocatedBytesForCurrentThread() - thread0;
        return (thread, total, oneThread);
    }

    private static long StaleCompletions(DirectFile file) => ((IoUringEngine)file.Device.EngineCore).StaleCompletions;

    private DirectFile Open(DirectFileOptions options, string name = "f") =>
        DirectFile.Open(_dir.File(name), new DirectFileOptions
        {
            Engine = IoEngine.IoUring,
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

    /// <summary>Waits for a ValueTask on the calling thread without a Task: a cached continuation sets an event.</summary>
    private sealed class FileWaiter : IDisposable
    {
        private readonly ManualResetEventSlim _done = new();
        private readonly Action _signal;

        public FileWaiter() => _signal = _done.Set;

        public void ReadLoop(DirectFile file, Memory<byte> buffer, int count)
        {
            for (int i = 0; i < count; i++)
            {
                ValueTask<int> pending = file.ReadAsync((i % 256) * 4096L, buffer);
                ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter awaiter = pending.ConfigureAwait(false).GetAwaiter();
                if (!awaiter.IsCompleted)
                {
                    _done.Reset();
                    awaiter.UnsafeOnCompleted(_signal);
                    _done.Wait();
                }
                if (awaiter.GetResult() != 4096)
                {
                    throw new InvalidOperationException($"read {i} was short");
                }
            }
        }

        public void Dispose() => _done.Dispose();
    }
}
