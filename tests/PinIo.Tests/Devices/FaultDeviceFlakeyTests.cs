using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary>
/// dm-flakey in a <see cref="FaultDevice"/>: up and down intervals counted in bios, and what
/// being down does — every bio fails, writes are dropped or fail, a byte is corrupted (the
/// caller's write buffer never). Each bio is ended once, and pins balance (base class).
/// </summary>
public sealed class FaultDeviceFlakeyTests : PinBalancedTest
{
    private const int BioBytes = 16 * 1024;
    private static readonly QueueLimits s_limits = new() { MaxSectorsBytes = BioBytes };

    [Fact]
    public async Task CountedIntervals_FailExactlyTheDownBiosWithEioAndSayWhy()
    {
        using var device = Flakey(new FlakeyOptions { Up = FaultInterval.Count(2), Down = FaultInterval.Count(1) });
        var outcomes = new List<BlkStatus>();
        for (int i = 0; i < 6; i++)
        {
            Bio bio = await SubmitOne(device, BioOp.Read, i * 8);
            outcomes.Add(bio.Status);
            if (bio.Status != BlkStatus.Ok)
            {
                Assert.Equal(Errno.EIO, bio.Error);
                Assert.Contains("dm-flakey", bio.FailureReason, StringComparison.Ordinal);
            }
        }

        Assert.Equal([BlkStatus.Ok, BlkStatus.Ok, BlkStatus.IoError, BlkStatus.Ok, BlkStatus.Ok, BlkStatus.IoError], outcomes);
        Assert.Equal([3L, 6L], device.Log.Snapshot().Where(r => r.Action == FaultAction.Failed).Select(r => r.Sequence));
    }

    [Fact]
    public async Task TimedIntervals_AlwaysDownAndNeverDown()
    {
        using var down = Flakey(new FlakeyOptions { Up = FaultInterval.Time(TimeSpan.Zero), Down = FaultInterval.Time(TimeSpan.FromDays(1)) });
        using var up = Flakey(new FlakeyOptions { Up = FaultInterval.Time(TimeSpan.FromDays(1)), Down = FaultInterval.Time(TimeSpan.Zero) });

        Assert.Equal(BlkStatus.IoError, (await SubmitOne(down, BioOp.Write, 0)).Status);
        Assert.Equal(BlkStatus.Ok, (await SubmitOne(up, BioOp.Write, 0)).Status);
    }

    [Fact]
    public async Task DropWrites_AcknowledgesTheWriteButTheDiskKeepsItsOldBytes_ReadsPass()
    {
        using var disk = new RamDisk(1 << 20, s_limits);
        disk.WriteRaw(0, TestPattern.Make(BioBytes, seed: 1));
        using var device = new FaultDevice(disk, new FaultOptions { Flakey = AlwaysDown with { Writes = FlakeyWrites.Drop } }, leaveInnerOpen: true);
        Memory<byte> data = BlockMemory.Aligned(BioBytes);
        TestPattern.Fill(data.Span, seed: 2);

        long written = await DirectIo.WriteAsync(device, 0, IovIter.User(IterDirection.Source, data));
        Memory<byte> back = BlockMemory.Aligned(BioBytes);
        long read = await DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, back));

        Assert.Equal(BioBytes, written);
        Assert.Equal(BioBytes, read);
        TestPattern.AssertBytes(TestPattern.Make(BioBytes, seed: 1), back.Span, "the dropped write's old bytes");
        Assert.Equal(1, device.Log.CountOf(FaultAction.Dropped));
    }

    [Fact]
    public async Task ErrorWrites_FailsWritesAndPassesReads()
    {
        using var disk = new RamDisk(1 << 20, s_limits);
        using var device = new FaultDevice(disk, new FaultOptions { Flakey = AlwaysDown with { Writes = FlakeyWrites.Error } }, leaveInnerOpen: true);

        var e = await Assert.ThrowsAsync<DirectIoException>(async () =>
            await DirectIo.WriteAsync(device, 0, IovIter.User(IterDirection.Source, BlockMemory.Aligned(BioBytes))));
        long read = await DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, BlockMemory.Aligned(BioBytes)));

        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Contains("dm-flakey", e.Message, StringComparison.Ordinal);
        Assert.Equal(BioBytes, read);
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(778, (byte)0x5A)]
    [InlineData(0, null)]
    public async Task CorruptedWrite_ChangesOneByteOnTheDiskAndNoneOfTheCallersBuffer(int nth, byte? value)
    {
        using var disk = new RamDisk(1 << 20, s_limits);
        var corrupt = new CorruptOptions { Byte = nth, Writes = true, Value = value };
        using var device = new FaultDevice(disk, new FaultOptions { Seed = 9, Flakey = AlwaysDown with { Corrupt = corrupt } }, leaveInnerOpen: true);
        Memory<byte> data = BlockMemory.Aligned(BioBytes);
        TestPattern.Fill(data.Span, seed: 3);
        byte[] expected = data.ToArray();

        long written = await DirectIo.WriteAsync(device, 20480, IovIter.User(IterDirection.Source, data));

        Assert.Equal(BioBytes, written);
        TestPattern.AssertBytes(expected, data.Span, "the caller's buffer after a corrupted write");
        byte[] onDisk = new byte[BioBytes];
        disk.ReadRaw(20480, onDisk);
        int[] differing = [.. Enumerable.Range(0, BioBytes).Where(i => onDisk[i] != expected[i])];
        int at = Assert.Single(differing);
        if (nth > 0)
        {
            Assert.Equal(nth - 1, at);
        }
        Assert.Equal(value ?? (byte)~expected[at], onDisk[at]);
        FaultRecord record = Assert.Single(device.Log.Snapshot(), r => r.Action == FaultAction.Corrupted);
        Assert.Contains($"device offset {20480 + at}", record.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorruptedRead_ChangesOneByteOfTheReadAndNoneOnTheDisk()
    {
        using var disk = new RamDisk(1 << 20, s_limits);
        byte[] stored = TestPattern.Make(BioBytes, seed: 4);
        disk.WriteRaw(0, stored);
        var corrupt = new CorruptOptions { Byte = 100, Writes = false };
        using var device = new FaultDevice(disk, new FaultOptions { Flakey = AlwaysDown with { Corrupt = corrupt } }, leaveInnerOpen: true);
        Memory<byte> back = BlockMemory.Aligned(BioBytes);

        await DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, back));

        Assert.Equal((byte)~stored[99], back.Span[99]);
        back.Span[99] = stored[99];
        TestPattern.AssertBytes(stored, back.Span, "the rest of the read");
        byte[] onDisk = new byte[BioBytes];
        disk.ReadRaw(0, onDisk);
        TestPattern.AssertBytes(stored, onDisk, "the disk under a corrupted read");
    }

    [Fact]
    public async Task SameSeedAndSchedule_SameLog()
    {
        async Task<string> Run()
        {
            var corrupt = new CorruptOptions { Byte = 0 };
            using var device = Flakey(new FlakeyOptions { Up = FaultInterval.Count(3), Down = FaultInterval.Count(2), Corrupt = corrupt }, seed: 77);
            for (int i = 0; i < 20; i++)
            {
                await SubmitOne(device, BioOp.Write, i * 8);
            }
            return string.Join('\n', device.Log.Snapshot().Select(r => $"{r.Sequence} {r.Action} {r.Detail}"));
        }

        string first = await Run();
        Assert.Contains("Corrupted", first, StringComparison.Ordinal);
        Assert.Equal(first, await Run());
    }

    [Fact]
    public async Task WhileUp_EveryBioAndFlushReachesTheInnerDevice_WhoseLimitsAndCapacityItHas()
    {
        using var disk = new RamDisk(1 << 20, s_limits);
        var seen = new List<BioOp>();
        disk.OnSubmit = bio => seen.Add(bio.Op);
        using var device = new FaultDevice(disk, new FaultOptions { Flakey = new FlakeyOptions { Up = FaultInterval.Count(100), Down = FaultInterval.Count(1) } }, leaveInnerOpen: true);

        await SubmitOne(device, BioOp.Write, 0);
        await SubmitOne(device, BioOp.Read, 0);
        await DirectIo.FlushAsync(device);

        Assert.Equal([BioOp.Write, BioOp.Read, BioOp.Flush], seen);
        Assert.Same(disk.Limits, device.Limits);
        Assert.Equal(disk.Capacity, device.Capacity);
        Assert.Equal(0, device.InFlight);
    }

    [Fact]
    public void InvalidSchedules_AreRefusedWithTheReason()
    {
        var mixed = new FlakeyOptions { Up = FaultInterval.Count(1), Down = FaultInterval.Time(TimeSpan.FromSeconds(1)) };
        var zero = new FlakeyOptions { Up = FaultInterval.Count(0), Down = FaultInterval.Count(0) };

        Assert.Contains("both", Assert.Throws<ArgumentException>(() => mixed.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("zero", Assert.Throws<ArgumentException>(() => zero.Validate()).Message, StringComparison.Ordinal);
    }

    internal static FlakeyOptions AlwaysDown { get; } = new() { Up = FaultInterval.Count(0), Down = FaultInterval.Count(1) };

    private static FaultDevice Flakey(FlakeyOptions flakey, ulong seed = 1) =>
        new(new RamDisk(1 << 20, s_limits), new FaultOptions { Seed = seed, Flakey = flakey });

    /// <summary>Submits one 4 KiB bio of pool-free native memory and waits for its end.</summary>
    internal static async Task<Bio> SubmitOne(IBlockDevice device, BioOp op, long sector)
    {
        using var memory = new BlockNativeBuffer(4096);
        var done = new TaskCompletionSource<Bio>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bio = new Bio(op, sector, device.Limits) { EndIo = b => done.SetResult(b) };
        bio.AddPagesFrom(IovIter.Kernel(op == BioOp.Read ? IterDirection.Dest : IterDirection.Source, [new KernelVec(memory.Address, 4096)]));
        device.Submit(bio);
        Bio ended = await done.Task;
        ended.ReleasePages(markDirty: false);
        return ended;
    }
}
