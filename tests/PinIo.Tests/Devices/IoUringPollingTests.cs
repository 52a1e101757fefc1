using System.Buffers;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using Xunit.Abstractions;
using static PinIo.Tests.Infrastructure.PolledCompletions;

namespace PinIo.Tests.Devices;

/// <summary>
/// The io_uring engine's kernel polling, fio's sqthread_poll and hipri. SubmissionPolling
/// (IORING_SETUP_SQPOLL) round-trips data on a ring with a completion thread and on a polled
/// ring, and a request made after the kernel thread went to sleep wakes it. CompletionPolling
/// (IORING_SETUP_IOPOLL) is refused where it cannot work, flushes through fdatasync, and on a
/// device without poll queues fails each read with EOPNOTSUPP and advice, leaking nothing.
/// </summary>
public sealed class IoUringPollingTests(ITestOutputHelper output) : PinBalancedTest
{
    private const int Block = 64 * 1024;
    private const string TurnItOff = "the device does not support polled I/O (hipri / CompletionPolling): turn it off";

    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SubmissionPolling_RoundTripsPoolAndManagedMemory_AndFlushes(bool polled)
    {
        using FileDevice device = OpenSubmissionPolled(polled, idleMs: 1000);
        using IMemoryOwner<byte> pool = device.BufferPool!.AllocateMemory(Block);
        Memory<byte> managed = FileBuffers.PinnedAligned(Block);
        FileWorkload.Data(Block, seed: 1).CopyTo(pool.Memory);
        FileWorkload.Data(Block, seed: 2).CopyTo(managed);

        Assert.Equal(Block, Wait(device, DirectIo.WriteAsync(device, 0, IovIter.User(IterDirection.Source, pool.Memory))));
        Assert.Equal(Block, Wait(device, DirectIo.WriteAsync(device, Block, IovIter.User(IterDirection.Source, managed))));
        Wait(device, DirectIo.FlushAsync(device));
        pool.Memory.Span.Clear();
        managed.Span.Clear();
        Assert.Equal(Block, Wait(device, DirectIo.ReadAsync(device, Block, IovIter.User(IterDirection.Dest, pool.Memory))));
        Assert.Equal(Block, Wait(device, DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, managed))));

        Assert.NotEqual(0u, EngineOf(device).SetupFlags & Interop.IORING_SETUP_SQPOLL);
        FileModel.AssertSame(FileWorkload.Data(Block, seed: 2), pool.Memory.Span, Block, "the managed write, read into pool memory");
        FileModel.AssertSame(FileWorkload.Data(Block, seed: 1), managed.Span, 0, "the pool write, read into managed memory");
        Assert.Equal(0, EngineOf(device).StaleCompletions);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SubmissionPolling_AfterTheKernelThreadSleeps_TheNextRequestWakesIt(bool polled)
    {
        using FileDevice device = OpenSubmissionPolled(polled, idleMs: 10);
        using IMemoryOwner<byte> pool = device.BufferPool!.AllocateMemory(Block);
        FileWorkload.Data(Block, seed: 3).CopyTo(pool.Memory);
        Assert.Equal(Block, Wait(device, DirectIo.WriteAsync(device, 0, IovIter.User(IterDirection.Source, pool.Memory))));

        // Only a ring's own SQPOLL thread sets IORING_SQ_NEED_WAKEUP, once idle past sq_thread_idle.
        bool slept = SpinWait.SpinUntil(() => EngineOf(device).SubmissionThreadSleeping, TimeSpan.FromSeconds(10));
        pool.Memory.Span.Clear();
        long? read = WaitAtMost(device, DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, pool.Memory)), TimeSpan.FromSeconds(10));

        Assert.True(slept, "the kernel submission thread never went to sleep: is the ring really SQPOLL, with a 10 ms sq_thread_idle?");
        Assert.True(read is not null, "the read never completed: nothing woke the sleeping submission thread (IORING_ENTER_SQ_WAKEUP)");
        Assert.Equal(Block, read);
        FileModel.AssertSame(FileWorkload.Data(Block, seed: 3), pool.Memory.Span, 0, "a read that had to wake the submission thread");
    }

    [Fact]
    public async Task SubmissionPolling_ManyThreadsSubmitWhileTheKernelThreadNapsAndWakes_EveryWriteLands()
    {
        const int Threads = 4, PerThread = 40, Slot = 16 * 1024;
        // A 1 ms idle puts the kernel thread to sleep between most requests: each wake path runs.
        using FileDevice device = FileDevice.Open(_dir.File("naps"), new FileDeviceOptions
        {
            Create = true,
            InitialSize = (long)Threads * PerThread * Slot,
            QueueDepth = 8,
            SubmissionPolling = true,
            SubmissionPollIdleMs = 1,
        });
        Task[] writers = [.. Enumerable.Range(0, Threads).Select(t => Task.Factory.StartNew(() =>
        {
            Memory<byte> buffer = FileBuffers.PinnedAligned(Slot);
            for (int i = 0; i < PerThread; i++)
            {
                FileWorkload.Data(Slot, seed: (t * 1000) + i).CopyTo(buffer);
                Assert.Equal(Slot, Wait(device, DirectIo.WriteAsync(device, (long)((i * Threads) + t) * Slot, IovIter.User(IterDirection.Source, buffer))));
                if (i % 8 == 0)
                {
                    Thread.Sleep(3);
                }
            }
        }, TaskCreationOptions.LongRunning))];
        await Task.WhenAll(writers);

        Memory<byte> back = FileBuffers.PinnedAligned(Slot);
        for (int n = 0; n < Threads * PerThread; n++)
        {
            Assert.Equal(Slot, Wait(device, DirectIo.ReadAsync(device, (long)n * Slot, IovIter.User(IterDirection.Dest, back))));
            FileModel.AssertSame(FileWorkload.Data(Slot, seed: ((n % Threads) * 1000) + (n / Threads)), back.Span, (long)n * Slot, $"write {n}");
        }
        Assert.Equal(0, EngineOf(device).StaleCompletions);
    }

    [Fact]
    public void CompletionPolling_OnAFile_FailsEachReadWithEopnotsupp_SayingToTurnItOff_UnlessTheDiskHasPollQueues()
    {
        string path = _dir.File("written");
        WriteWithoutPolling(path, 2 * Block);

        AssertPolledReadsFailUnlessTheDeviceCanPoll(path);
    }

    [SkippableFact]
    public void CompletionPolling_OnALoopDevice_FailsEachReadWithEopnotsupp_SayingToTurnItOff()
    {
        using FileLoopDevice loop = FileLoopDevice.Create(1 << 20);

        AssertPolledReadsFailUnlessTheDeviceCanPoll(loop.Path);
    }

    [Fact]
    public void CompletionPolling_FlushRunsAsFdatasync_AndEndsInsidePoll()
    {
        // An IOPOLL ring refuses IORING_OP_FSYNC with EINVAL: this flush must not go there.
        using FileDevice device = OpenCompletionPolled(_dir.File("flushed"), create: true);
        Task flush = DirectIo.FlushAsync(device).AsTask();
        bool endedBeforePoll = flush.IsCompleted;
        int ended = device.Poll(1);

        Assert.False(endedBeforePoll, "a polled device ends bios only inside Poll");
        Assert.Equal(1, ended);
        Assert.True(flush.IsCompletedSuccessfully, flush.Exception?.InnerException?.Message);
    }

    [Fact]
    public void CompletionPolling_WithACompletionThread_IsRefusedBeforeTheFileIsOpened()
    {
        string path = _dir.File("never-created");

        ArgumentException e = Assert.Throws<ArgumentException>(() =>
            FileDevice.Open(path, new FileDeviceOptions { Create = true, CompletionPolling = true }));

        Assert.Contains("set PolledCompletions = true", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void CompletionPolling_OnBufferedIo_IsRefused()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => FileDevice.Open(_dir.File("buffered"),
            new FileDeviceOptions { Create = true, Direct = false, PolledCompletions = true, CompletionPolling = true }));

        Assert.Contains("Direct = true", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void KernelPolling_OnTheSyncEngine_IsRefused(bool submission, bool completion)
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => FileDevice.Open(_dir.File("sync"), new FileDeviceOptions
        {
            Engine = IoEngine.Sync,
            Create = true,
            PolledCompletions = completion,
            SubmissionPolling = submission,
            CompletionPolling = completion,
        }));

        Assert.Contains("Engine = IoEngine.IoUring", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SubmissionPollCpu_WithoutSubmissionPolling_IsRefused()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() =>
            FileDevice.Open(_dir.File("cpu"), new FileDeviceOptions { Create = true, SubmissionPollCpu = 0 }));

        Assert.Contains("SubmissionPolling = true", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SubmissionPollCpu_BindsTheKernelThread()
    {
        using FileDevice device = FileDevice.Open(_dir.File("bound"), new FileDeviceOptions
        {
            Create = true,
            InitialSize = Block,
            SubmissionPolling = true,
            SubmissionPollCpu = FirstAllowedCpu(),
        });
        using IMemoryOwner<byte> pool = device.BufferPool!.AllocateMemory(Block);

        Assert.Equal(Block, Wait(device, DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, pool.Memory))));
        Assert.Equal(Interop.IORING_SETUP_SQPOLL | Interop.IORING_SETUP_SQ_AFF,
            EngineOf(device).SetupFlags & (Interop.IORING_SETUP_SQPOLL | Interop.IORING_SETUP_SQ_AFF));
    }

    [Fact]
    public void SubmissionPollCpu_ThatIsNoCpu_FailsToOpenWithEinvalNamingTheOption()
    {
        string path = _dir.File("nocpu");

        DirectIoException e = Assert.Throws<DirectIoException>(() => FileDevice.Open(path, new FileDeviceOptions
        {
            Create = true,
            SubmissionPolling = true,
            SubmissionPollCpu = 1 << 20,
        }));

        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("SubmissionPollCpu", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Reads <paramref name="path"/> on an IOPOLL ring, into pool memory (a fixed buffer) and into
    /// managed memory (pinned per request). Where the device below has poll queues the reads
    /// complete by polling; elsewhere (ext4 on virtio, loop devices) each fails with EOPNOTSUPP
    /// and the advice, and the base class checks that the failed reads released every pin.
    /// </summary>
    private void AssertPolledReadsFailUnlessTheDeviceCanPoll(string path)
    {
        bool canPoll = FilePollQueues.Under(path);
        using FileDevice device = OpenCompletionPolled(path, create: false);
        using IMemoryOwner<byte> pool = device.BufferPool!.AllocateMemory(Block);
        Memory<byte> managed = FileBuffers.PinnedAligned(Block);

        Exception? intoPool = Record.Exception(() => Wait(device, DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, pool.Memory))));
        Exception? intoManaged = Record.Exception(() => Wait(device, DirectIo.ReadAsync(device, Block, IovIter.User(IterDirection.Dest, managed))));

        Assert.NotEqual(0u, EngineOf(device).SetupFlags & Interop.IORING_SETUP_IOPOLL);
        Assert.Equal(0, EngineOf(device).Pending);
        if (canPoll)
        {
            output.WriteLine($"the device under '{path}' has poll queues: the reads completed by polling");
            Assert.Null(intoPool);
            Assert.Null(intoManaged);
            return;
        }
        foreach (Exception? failure in new[] { intoPool, intoManaged })
        {
            DirectIoException e = Assert.IsType<DirectIoException>(failure);
            Assert.Equal(Errno.EOPNOTSUPP, e.Errno);
            Assert.Contains(TurnItOff, e.Message, StringComparison.Ordinal);
        }
        output.WriteLine(intoPool!.Message);
    }

    private FileDevice OpenSubmissionPolled(bool polled, int idleMs) =>
        FileDevice.Open(_dir.File(polled ? "sqpoll-polled" : "sqpoll-thread"), new FileDeviceOptions
        {
            Create = true,
            InitialSize = 4 * Block,
            PolledCompletions = polled,
            SubmissionPolling = true,
            SubmissionPollIdleMs = idleMs,
            BufferPoolBytes = 1 << 20,
        });

    private static FileDevice OpenCompletionPolled(string path, bool create) =>
        FileDevice.Open(path, new FileDeviceOptions
        {
            Create = create,
            InitialSize = create ? Block : 0,
            PolledCompletions = true,
            CompletionPolling = true,
            BufferPoolBytes = 1 << 20,
        });

    /// <summary>Data on disk, written with an ordinary O_DIRECT device: a read of a hole would never reach the device's queue.</summary>
    private static void WriteWithoutPolling(string path, int length)
    {
        using FileDevice plain = FileDevice.Open(path, new FileDeviceOptions { Engine = IoEngine.Sync, SyncWorkers = 0, Create = true, BufferPoolBytes = 0 });
        Memory<byte> data = FileBuffers.PinnedAligned(length);
        FileWorkload.Data(length, seed: 9).CopyTo(data);
        Assert.Equal(length, Wait(plain, DirectIo.WriteAsync(plain, 0, IovIter.User(IterDirection.Source, data))));
        Wait(plain, DirectIo.FlushAsync(plain));
    }

    /// <summary>The request's result; a polled device is polled on this thread (its owner) until the request ends.</summary>
    /// <summary>
    /// As <see cref="Wait(FileDevice, ValueTask{long})"/>, but gives up after
    /// <paramref name="timeout"/> (polling without blocking in the kernel) and returns null, so
    /// that a request nothing submits fails the test instead of hanging it.
    /// </summary>
    private static long? WaitAtMost(FileDevice device, ValueTask<long> pending, TimeSpan timeout)
    {
        Task<long> task = pending.AsTask();
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (!task.IsCompleted && Environment.TickCount64 < deadline)
        {
            if (device.IsPolled)
            {
                device.Poll(0);
                Thread.Yield();
            }
            else
            {
                task.Wait(TimeSpan.FromMilliseconds(50));
            }
        }
        return task.IsCompleted ? task.GetAwaiter().GetResult() : null;
    }

    /// <summary>The lowest CPU this process may run on (the kernel refuses to bind the thread elsewhere).</summary>
    private static int FirstAllowedCpu()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return System.Numerics.BitOperations.TrailingZeroCount((ulong)(long)self.ProcessorAffinity);
    }

    private static IoUringEngine EngineOf(FileDevice device) => (IoUringEngine)device.EngineCore;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
