using PinIo.Cli.Runner;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>The job thread's queue of completed slots: first in, first out across the wrap, and a slot queued past the depth is a bug, not a silent overwrite.</summary>
public sealed class IoSlotQueueTests
{
    [Fact]
    public void SlotsComeOutInTheOrderTheyWentIn_AcrossTheWrap()
    {
        IoSlot[] slots = [.. Enumerable.Range(0, 3).Select(i => new IoSlot(i, null!))];
        var queue = new IoSlotQueue(3);
        var order = new List<int>();
        for (int round = 0; round < 5; round++)
        {
            queue.Enqueue(slots[round % 3]);
            queue.Enqueue(slots[(round + 1) % 3]);
            Assert.True(queue.TryDequeue(out IoSlot? first));
            order.Add(first.Index);
            Assert.True(queue.TryDequeue(out IoSlot? second));
            order.Add(second.Index);
        }

        Assert.Equal([0, 1, 1, 2, 2, 0, 0, 1, 1, 2], order);
        Assert.Equal(0, queue.Count);
        Assert.False(queue.TryDequeue(out _));
    }

    [Fact]
    public void AQueueHoldingItsDepthRefusesOneMore_AndKeepsWhatItHolds()
    {
        var queue = new IoSlotQueue(2);
        var a = new IoSlot(0, null!);
        var b = new IoSlot(1, null!);
        queue.Enqueue(a);
        queue.Enqueue(b);

        Assert.Throws<InvalidOperationException>(() => queue.Enqueue(a));
        Assert.True(queue.TryDequeue(out IoSlot? first));
        Assert.Same(a, first);
        Assert.True(queue.TryDequeue(out IoSlot? second));
        Assert.Same(b, second);
    }
}
