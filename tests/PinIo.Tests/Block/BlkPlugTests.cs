using System.Buffers;
using PinIo.Block;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Block;

/// <summary>
/// A thread's plug holds back the wake-ups of the queues it submits to and gives each queue one
/// when it ends or fills; without a plug nothing is held; and a plug that never ends strands no
/// request: a ring with nothing in flight is woken at once.
/// </summary>
public sealed class BlkPlugTests : PinBalancedTest
{
    [Fact]
    public void WithoutAPlug_NothingIsHeldBack()
    {
        var queue = new CountingQueue();
        Assert.False(BlkPlug.IsActive);
        Assert.False(BlkPlug.TryDefer(queue));
        Assert.Equal(0, queue.Unplugs);
    }

    [Fact]
    public void APlug_WakesEachQueueItHeldBackOnce_WhenItEnds()
    {
        var first = new CountingQueue();
        var second = new CountingQueue();
        BlkPlug.Start();
        try
        {
            for (int i = 0; i < 5; i++)
            {
                Assert.True(BlkPlug.TryDefer(first));
                Assert.True(BlkPlug.TryDefer(second));
            }
            Assert.Equal(0, first.Unplugs + second.Unplugs);
        }
        finally
        {
            BlkPlug.Finish();
        }

        Assert.Equal(1, first.Unplugs);
        Assert.Equal(1, second.Unplugs);
        Assert.False(BlkPlug.IsActive);
        Assert.False(BlkPlug.TryDefer(first));
    }

    [Fact]
    public void AFullPlug_WakesItsQueuesAtOnce_AndKeepsHolding()
    {
        var queue = new CountingQueue();
        BlkPlug.Start();
        try
        {
            for (int i = 0; i < BlkPlug.MaxDeferred - 1; i++)
            {
                BlkPlug.TryDefer(queue);
            }
            Assert.Equal(0, queue.Unplugs);
            BlkPlug.TryDefer(queue);
            Assert.Equal(1, queue.Unplugs);
            BlkPlug.TryDefer(queue);
            Assert.Equal(1, queue.Unplugs);
        }
        finally
        {
            BlkPlug.Finish();
        }
        Assert.Equal(2, queue.Unplugs);
    }

    [Fact]
    public void APlugThatNeverEnds_StrandsNoRead_OnAnIdleRing()
    {
        using var dir = new TempDirectory();
        using DirectFile file = DirectFile.Open(dir.File("f"), new DirectFileOptions { Create = true, InitialSize = 1 << 20, BufferPoolBytes = 1 << 20 });
        using IMemoryOwner<byte> buffer = file.AllocateBuffer(4096);
        bool completed = false;

        // On a thread of its own: the plug is the thread's, and it must stay on while the read is awaited.
        var thread = new Thread(() =>
        {
            BlkPlug.Start();
            try
            {
                ValueTask<int> read = file.ReadAsync(0, buffer.Memory);
                completed = SpinWait.SpinUntil(() => read.IsCompleted, TimeSpan.FromSeconds(10));
                if (completed)
                {
                    Assert.Equal(4096, read.Result);
                }
            }
            finally
            {
                BlkPlug.Finish();
            }
        });
        thread.Start();
        thread.Join();

        Assert.True(completed, "a read submitted under a plug to a ring with nothing in flight waited for the plug's end");
    }

    private sealed class CountingQueue : IPluggedQueue
    {
        public int Unplugs { get; private set; }

        public void Unplug() => Unplugs++;
    }
}
