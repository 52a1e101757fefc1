using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using PinIo.Block;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Block;

/// <summary>
/// The queue on which completion threads hand requests to the thread pool: one work item runs
/// many continuations, and yet a continuation that blocks never holds the ones behind it, slow
/// continuations spread over more threads, every queued completion runs exactly once, and the
/// watchdog is off while nothing flows. The work items here run on the test's own threads
/// (the queue's scheduler is injected), so that a test sees each request for one.
/// </summary>
public sealed class PoolCompletionsTests : PinBalancedTest
{
    [Fact]
    public void ACompletionBlockingOnOneQueuedBehindIt_IsRescuedByTheWatchdog_NotByAWorkItemPerBatch()
    {
        var scheduler = new ThreadScheduler();
        using var queue = new PoolCompletions(scheduler.Queue);
        using var behindRan = new ManualResetEventSlim();
        int blockingThread = 0, behindThread = 0;
        bool rescued = false;
        var blocking = new Work(() =>
        {
            blockingThread = Environment.CurrentManagedThreadId;
            rescued = behindRan.Wait(TimeSpan.FromSeconds(5));
        });
        var behind = new Work(() =>
        {
            behindThread = Environment.CurrentManagedThreadId;
            behindRan.Set();
        });

        queue.Enqueue(blocking);
        queue.Enqueue(behind);
        Assert.Equal(1, scheduler.Requested); // one work item for both: not one per completion
        var watch = Stopwatch.StartNew();
        scheduler.RunAll();
        scheduler.WaitIdle(TimeSpan.FromSeconds(10));

        Assert.True(rescued, "the completion queued behind a blocked one did not run while it blocked");
        Assert.True(behind.Runs == 1 && blocking.Runs == 1);
        Assert.NotEqual(blockingThread, behindThread);
        Assert.True(scheduler.Requested >= 2);
        // The second work item came from the watchdog, a period after the queue stalled.
        Assert.True(watch.ElapsedMilliseconds >= PoolCompletions.WatchdogPeriodMs / 2, $"rescued after {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void CheapCompletions_ShareWorkItems_AndEachThreadRunsThemInTheOrderQueued()
    {
        var scheduler = new ThreadScheduler();
        using var queue = new PoolCompletions(scheduler.Queue);
        var ran = new ConcurrentQueue<(int Thread, int Index)>();
        const int Completions = 256;
        for (int i = 0; i < Completions; i++)
        {
            int n = i;
            queue.Enqueue(new Work(() => ran.Enqueue((Environment.CurrentManagedThreadId, n))));
        }

        scheduler.RunAll();
        scheduler.WaitIdle(TimeSpan.FromSeconds(10));

        // One work item asked for while none ran; more only for a work item delayed past
        // HelperAfterMicroseconds (a preemption): never one per completion.
        Assert.Equal(1, scheduler.RequestedBeforeRun);
        Assert.True(scheduler.Requested < Completions / 4, $"{scheduler.Requested} work items for {Completions} completions");
        Assert.Equal(Enumerable.Range(0, Completions), ran.Select(r => r.Index).Order());
        foreach (IGrouping<int, (int Thread, int Index)> thread in ran.GroupBy(r => r.Thread))
        {
            int[] indexes = [.. thread.Select(r => r.Index)];
            Assert.Equal(indexes.Order(), indexes);
        }
    }

    [Fact]
    public void SlowCompletions_AskForMoreWorkItems_AndRunOnSeveralThreadsAtOnce()
    {
        var scheduler = new ThreadScheduler();
        using var queue = new PoolCompletions(scheduler.Queue);
        int running = 0, mostAtOnce = 0;
        var threads = new ConcurrentDictionary<int, bool>();
        var works = Enumerable.Range(0, 16).Select(_ => new Work(() =>
        {
            threads[Environment.CurrentManagedThreadId] = true;
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            Thread.Sleep(2); // far above HelperAfterMicroseconds, below the watchdog's period: a helper's doing, not the watchdog's
            Interlocked.Decrement(ref running);
        })).ToArray();

        foreach (Work work in works)
        {
            queue.Enqueue(work);
        }
        scheduler.RunAll(); // all queued before the one work item asked for starts: the others are its helpers
        scheduler.WaitIdle(TimeSpan.FromSeconds(10));

        Assert.All(works, w => Assert.Equal(1, w.Runs));
        Assert.True(mostAtOnce >= 2, $"at most {mostAtOnce} ran at once on {threads.Count} threads");
    }

    [Fact]
    public void CompletionsFromManyThreads_EachRunExactlyOnce()
    {
        var scheduler = new ThreadScheduler(runAtOnce: true);
        using var queue = new PoolCompletions(scheduler.Queue);
        const int Producers = 4, PerProducer = 20_000;
        var runs = new int[Producers * PerProducer];
        var works = Enumerable.Range(0, runs.Length).Select(i => new Work(() => Interlocked.Increment(ref runs[i]))).ToArray();

        Parallel.For(0, Producers, new ParallelOptions { MaxDegreeOfParallelism = Producers }, p =>
        {
            for (int i = 0; i < PerProducer; i++)
            {
                queue.Enqueue(works[p * PerProducer + i]);
            }
        });
        SpinWait.SpinUntil(() => runs.All(r => r != 0), TimeSpan.FromSeconds(30));
        scheduler.WaitIdle(TimeSpan.FromSeconds(10));

        Assert.All(runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void TheWatchdog_IsOnWhileCompletionsFlow_AndOffOnceTheQueueIsIdle()
    {
        var scheduler = new ThreadScheduler(runAtOnce: true);
        using var queue = new PoolCompletions(scheduler.Queue);
        Assert.False(queue.WatchdogOn);

        var work = new Work(() => { });
        queue.Enqueue(work);
        Assert.True(queue.WatchdogOn);
        scheduler.WaitIdle(TimeSpan.FromSeconds(10));

        Assert.True(SpinWait.SpinUntil(() => !queue.WatchdogOn, TimeSpan.FromSeconds(5)), "the watchdog stayed on over an idle queue");
        queue.Enqueue(work);
        Assert.True(queue.WatchdogOn);
        scheduler.WaitIdle(TimeSpan.FromSeconds(10));
        Assert.Equal(2, work.Runs);
    }

    [Fact]
    public async Task WithoutInlineCompletions_AContinuationWaitingSynchronouslyForAnotherRead_Completes()
    {
        // Sync over async on the pool thread that runs a completion (an anti-pattern that must
        // still end): the read it waits for completes through the same queue.
        using var dir = new TempDirectory();
        using DirectFile file = DirectFile.Open(dir.File("f"), new DirectFileOptions { Create = true, InitialSize = 1 << 20, BufferPoolBytes = 1 << 20 });
        using IMemoryOwner<byte> first = file.AllocateBuffer(4096);
        using IMemoryOwner<byte> second = file.AllocateBuffer(4096);

        Task chain = Task.Run(async () =>
        {
            for (int i = 0; i < 200; i++)
            {
                Assert.Equal(4096, await file.ReadAsync(0, first.Memory));
                Assert.Equal(4096, file.ReadAsync(4096, second.Memory).AsTask().GetAwaiter().GetResult());
            }
        });

        await chain.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    private sealed class Work(Action action) : IThreadPoolWorkItem
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public void Execute()
        {
            Interlocked.Increment(ref _runs);
            action();
        }
    }

    /// <summary>Runs each requested work item on a thread of its own: at once, or when the test says.</summary>
    private sealed class ThreadScheduler(bool runAtOnce = false)
    {
        private readonly ConcurrentQueue<IThreadPoolWorkItem> _held = new();
        private readonly List<Thread> _threads = [];
        private readonly ConcurrentQueue<Exception> _failures = new();
        private readonly Lock _lock = new();
        private bool _released = runAtOnce;
        private int _requested;

        public int Requested => Volatile.Read(ref _requested);

        /// <summary>Work items asked for before <see cref="RunAll"/>.</summary>
        public int RequestedBeforeRun { get; private set; }

        public void Queue(IThreadPoolWorkItem work)
        {
            Interlocked.Increment(ref _requested);
            lock (_lock)
            {
                if (!_released)
                {
                    _held.Enqueue(work);
                    return;
                }
                Start(work);
            }
        }

        /// <summary>Runs the work items held so far, and every later one at once.</summary>
        public void RunAll()
        {
            lock (_lock)
            {
                _released = true;
                RequestedBeforeRun = _held.Count;
                while (_held.TryDequeue(out IThreadPoolWorkItem? work))
                {
                    Start(work);
                }
            }
        }

        public void WaitIdle(TimeSpan timeout)
        {
            var watch = Stopwatch.StartNew();
            while (true)
            {
                Thread[] threads;
                lock (_lock)
                {
                    threads = [.. _threads];
                }
                foreach (Thread thread in threads)
                {
                    Assert.True(thread.Join(timeout - watch.Elapsed > TimeSpan.Zero ? timeout - watch.Elapsed : TimeSpan.Zero), "a work item did not end");
                }
                lock (_lock)
                {
                    if (_threads.Count == threads.Length)
                    {
                        break;
                    }
                }
            }
            if (!_failures.IsEmpty)
            {
                throw new AggregateException(_failures);
            }
        }

        private void Start(IThreadPoolWorkItem work)
        {
            var thread = new Thread(() =>
            {
                try
                {
                    work.Execute();
                }
                catch (Exception e)
                {
                    _failures.Enqueue(e);
                }
            }) { IsBackground = true };
            _threads.Add(thread);
            thread.Start();
        }
    }
}
