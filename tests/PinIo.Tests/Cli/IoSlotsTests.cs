using PinIo.Cli.Jobs;
using PinIo.Cli.Runner;
using PinIo.Cli.Stats;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Cli;

/// <summary>What the slots have in flight, as the overlap check (verification, trimwrite) sees it.</summary>
public sealed class IoSlotsTests : PinBalancedTest
{
    [Fact]
    public void AnIoInFlightOverlapsWhereItMattersUntilItLands()
    {
        JobPlan plan = TestJobs.Plan("--filename=ram:1m", "--iodepth=4", "--bs=4k");
        using var slots = new IoSlots(plan, device: null, buffered: false, new WriteData(plan), new PinCounter());
        IoSlot write = Launch(slots, IoDir.Write, 8192);
        IoSlot read = Launch(slots, IoDir.Read, 65536);

        Assert.True(slots.Overlaps(8192, 4096, write: false));
        Assert.True(slots.Overlaps(4096, 8192, write: false));
        Assert.False(slots.Overlaps(4096, 4096, write: true));
        Assert.False(slots.Overlaps(12288, 4096, write: true));
        Assert.False(slots.Overlaps(65536, 4096, write: false)); // a read is no hazard to a read
        Assert.True(slots.Overlaps(65536 + 2048, 512, write: true));

        slots.Landed(write);
        slots.Return(write);
        Assert.False(slots.Overlaps(8192, 4096, write: true));
        Assert.False(slots.Overlaps(0, 4096, write: true)); // a slot at rest overlaps nothing, offset 0 included
        Assert.True(slots.Overlaps(65536, 4096, write: true));
        slots.Landed(read);
        slots.Return(read);
        Assert.False(slots.Overlaps(0, 1 << 20, write: true));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(32)]
    [InlineData(33)]
    public void AnyDepthFindsExactlyTheOverlapsARangeByRangeCheckFinds(int depth)
    {
        // The check compares four ranges a step where the CPU can, then the rest one by one.
        JobPlan plan = TestJobs.Plan("--filename=ram:1m", $"--iodepth={depth}", "--bs=4k");
        using var slots = new IoSlots(plan, device: null, buffered: false, new WriteData(plan), new PinCounter());
        var random = new Random(depth);
        var flying = new List<(IoSlot Slot, long Start, long End, bool Changes)>();
        for (int step = 0; step < 20_000; step++)
        {
            if (flying.Count == depth || (flying.Count > 0 && random.Next(3) == 0))
            {
                int landing = random.Next(flying.Count);
                slots.Landed(flying[landing].Slot);
                slots.Return(flying[landing].Slot);
                flying.RemoveAt(landing);
                continue;
            }
            long offset = random.Next(64) * 512L;
            int length = random.Next(1, 9) * 512;
            bool write = random.Next(2) == 0;
            bool expected = flying.Exists(f => f.Start < offset + length && offset < f.End && (write || f.Changes));
            Assert.Equal(expected, slots.Overlaps(offset, length, write));
            IoDir dir = (IoDir)random.Next(3);
            IoSlot slot = slots.Take();
            (slot.Dir, slot.Offset, slot.RegionOffset, slot.Length) = (dir, offset, offset, length);
            slots.Launched(slot);
            flying.Add((slot, offset, offset + length, dir != IoDir.Read));
        }
    }

    private static IoSlot Launch(IoSlots slots, IoDir dir, long at)
    {
        IoSlot slot = slots.Take();
        (slot.Dir, slot.RegionOffset, slot.Offset, slot.Length) = (dir, at, at, 4096);
        slots.Launched(slot);
        return slot;
    }
}
