using System.Buffers;
using System.Runtime.CompilerServices;
using PinIo.Block;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// Where a caller resumes without inline completions: on the thread pool, never on the ring's
/// completion thread; under the caller's ExecutionContext when the awaiter asked for it to flow;
/// on the caller's SynchronizationContext when it captured one; and for each of many requests
/// awaited at once, exactly once. The continuations are batched through PoolCompletions; these
/// hold the batch to what a work item per continuation guaranteed.
/// </summary>
public sealed class DioContinuationTests : PinBalancedTest
{
    private const int Block = 4096;
    private static readonly AsyncLocal<int> s_flowed = new();

    private readonly TempDirectory _dir = new();
    private readonly DirectFile _file;
    private readonly IMemoryOwner<byte> _buffer;

    public DioContinuationTests()
    {
        _file = DirectFile.Open(_dir.File("f"), new DirectFileOptions { Create = true, InitialSize = 64 * Block, BufferPoolBytes = 1 << 20 });
        _buffer = _file.AllocateBuffer(Block);
    }

    [Fact]
    public async Task AnAwaitedRead_ResumesOnThePool_NotOnTheCompletionThread()
    {
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(Block, await _file.ReadAsync(i * (long)Block, _buffer.Memory));
            Assert.False(CompletionContext.IsCurrent, "resumed on the ring's completion thread");
        }
    }

    [Fact]
    public async Task OnCompleted_RunsTheContinuationUnderTheCallersExecutionContext()
    {
        s_flowed.Value = 42;
        Task<(int Read, (int Flowed, bool OnPool, bool OnCompletionThread) Seen)> resumed = Resume(_file.ReadAsync(0, _buffer.Memory), flowContext: true, capturedContext: false,
            () => (s_flowed.Value, Thread.CurrentThread.IsThreadPoolThread, CompletionContext.IsCurrent));
        s_flowed.Value = 0;

        (int read, (int flowed, bool onPool, bool onCompletionThread)) = await resumed.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Block, read);
        Assert.Equal(42, flowed);
        Assert.True(onPool);
        Assert.False(onCompletionThread);
    }

    [Fact]
    public async Task UnsafeOnCompleted_DoesNotFlowTheContext()
    {
        s_flowed.Value = 7;
        Task<(int Read, int Flowed)> resumed = Resume(_file.ReadAsync(0, _buffer.Memory), flowContext: false, capturedContext: false, () => s_flowed.Value);
        s_flowed.Value = 0;

        Assert.Equal((Block, 0), await resumed.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task ACapturedSynchronizationContext_GetsTheContinuation()
    {
        var context = new RecordingContext();
        Task<(int Read, SynchronizationContext? Current)> resumed;
        SynchronizationContext? before = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            resumed = Resume(_file.ReadAsync(0, _buffer.Memory), flowContext: false, capturedContext: true, () => SynchronizationContext.Current);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(before);
        }

        (int read, SynchronizationContext? current) = await resumed.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Block, read);
        Assert.Same(context, current);
        Assert.Equal(1, context.Posts);
    }

    [Fact]
    public async Task ManyReadsAwaitedAtOnce_EachResumeExactlyOnce_WithTheirOwnResult()
    {
        const int Reads = 32, Rounds = 100;
        using IMemoryOwner<byte> data = _file.AllocateBuffer(Block);
        for (int i = 0; i < Reads; i++)
        {
            data.Memory.Span.Fill((byte)(i + 1));
            Assert.Equal(Block, await _file.WriteAsync(i * (long)Block, data.Memory));
        }
        var buffers = Enumerable.Range(0, Reads).Select(_ => _file.AllocateBuffer(Block)).ToArray();
        var resumed = new int[Reads];
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Reads).Select(async i =>
            {
                for (int round = 0; round < Rounds; round++)
                {
                    Assert.Equal(Block, await _file.ReadAsync(i * (long)Block, buffers[i].Memory));
                    Interlocked.Increment(ref resumed[i]);
                    Assert.True(buffers[i].Memory.Span.IndexOfAnyExcept((byte)(i + 1)) < 0, $"read {i} saw another read's data");
                }
            })).WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            foreach (IMemoryOwner<byte> buffer in buffers)
            {
                buffer.Dispose();
            }
        }
        Assert.All(resumed, n => Assert.Equal(Rounds, n));
    }

    /// <summary>
    /// Registers a continuation on <paramref name="read"/> as an awaiter does (OnCompleted, which
    /// flows the ExecutionContext, or UnsafeOnCompleted), and completes with the read's result
    /// and what <paramref name="observe"/> saw where the continuation ran.
    /// </summary>
    private static Task<(int Read, T Seen)> Resume<T>(ValueTask<int> read, bool flowContext, bool capturedContext, Func<T> observe)
    {
        var resumed = new TaskCompletionSource<(int, T)>(TaskCreationOptions.RunContinuationsAsynchronously);
        ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter awaiter = read.ConfigureAwait(capturedContext).GetAwaiter();
        void Continue() => resumed.SetResult((awaiter.GetResult(), observe()));
        if (flowContext)
        {
            awaiter.OnCompleted(Continue);
        }
        else
        {
            awaiter.UnsafeOnCompleted(Continue);
        }
        return resumed.Task;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _buffer.Dispose();
            _file.Dispose();
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>A context that runs what is posted to it on the pool, counting the posts, and is current meanwhile.</summary>
    private sealed class RecordingContext : SynchronizationContext
    {
        private int _posts;

        public int Posts => Volatile.Read(ref _posts);

        public override void Post(SendOrPostCallback d, object? state)
        {
            Interlocked.Increment(ref _posts);
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                SetSynchronizationContext(this);
                try
                {
                    d(state);
                }
                finally
                {
                    SetSynchronizationContext(null);
                }
            }, null);
        }
    }
}
