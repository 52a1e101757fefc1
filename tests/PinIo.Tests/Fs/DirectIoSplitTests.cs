using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// How DirectIo cuts a request into bios: within every limit, covering the request exactly and
/// in order, and all of them in flight at once.
/// </summary>
public sealed class DirectIoSplitTests : PinBalancedTest
{
    private const long DiskBytes = 4 << 20;

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task RequestLargerThanMaxSectorsBytesBecomesBiosThatCoverItInOrder(RamDiskCompletion completion)
    {
        var limits = new QueueLimits { MaxSectorsBytes = 64 * 1024 };
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Limits = limits, Completion = completion });
        BlockBioRecorder recorder = BlockBioRecorder.Attach(disk);
        Memory<byte> buffer = BlockMemory.Aligned(300 * 1024);
        BlockMemory.FillPattern(buffer.Span, seed: 3);
        const long offset = 1 << 20;

        long written = await DirectIo.WriteAsync(disk, offset, IovIter.User(IterDirection.Source, buffer));

        Assert.Equal(buffer.Length, written);
        AssertCoverExactlyInOrder(recorder.Bios, offset, buffer.Length, limits);
        Assert.Equal(5, recorder.Bios.Count);
        Assert.All(recorder.Bios, b => Assert.Equal((BioOp.Write, BioFlags.PagePinned), (b.Op, b.Flags)));
        Assert.Equal(0, disk.LimitViolations);
        DioAssert.SameBytes(buffer.Span, Raw(disk, offset, buffer.Length), "disk after the write");
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task RequestWithMoreSegmentsThanMaxSegmentsSplitsBySegments(RamDiskCompletion completion)
    {
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Completion = completion });
        byte[] data = new byte[300 * 512];
        BlockMemory.FillPattern(data, seed: 4);
        disk.WriteRaw(4096, data);
        BlockBioRecorder recorder = BlockBioRecorder.Attach(disk);
        Memory<byte> all = BlockMemory.Aligned(300 * 1024);
        Memory<byte>[] pieces = [.. Enumerable.Range(0, 300).Select(i => all.Slice(i * 1024, 512))];

        long read = await DirectIo.ReadAsync(disk, 4096, IovIter.User(IterDirection.Dest, pieces));

        Assert.Equal(data.Length, read);
        AssertCoverExactlyInOrder(recorder.Bios, 4096, data.Length, disk.Limits);
        Assert.Equal([128, 128, 44], recorder.Bios.Select(b => b.VecCount));
        Assert.Equal(0, disk.LimitViolations);
        for (int i = 0; i < pieces.Length; i++)
        {
            DioAssert.SameBytes(data.AsSpan(i * 512, 512), pieces[i].Span, $"piece {i}");
        }
    }

    [Fact]
    public async Task SplitRespectsEveryLimitAtOnce()
    {
        var limits = new QueueLimits { LogicalBlockSize = 4096, MaxSectorsBytes = 32 * 1024, MaxSegments = 5, MaxSegmentSize = 8 * 1024 };
        using var disk = new RamDisk(DiskBytes, limits);
        BlockBioRecorder recorder = BlockBioRecorder.Attach(disk);
        Memory<byte> all = BlockMemory.Aligned(512 * 1024);
        // Runs of 4, 12, 20 and 28 KiB with gaps between: merges, segment-size cuts and segment counts all bite.
        Memory<byte>[] runs = [.. Enumerable.Range(0, 16).Select(i => all.Slice(i * 32 * 1024, ((i % 4) + 1) * 8 * 1024 - 4096))];
        long total = runs.Sum(r => (long)r.Length);

        long written = await DirectIo.WriteAsync(disk, 0, IovIter.User(IterDirection.Source, runs));

        Assert.Equal(total, written);
        AssertCoverExactlyInOrder(recorder.Bios, 0, total, limits);
        Assert.Equal(0, disk.LimitViolations);
        Assert.Contains(recorder.Bios, b => b.VecCount == limits.MaxSegments);
        Assert.Contains(recorder.Bios, b => b.Vecs.Any(v => v.Length == limits.MaxSegmentSize));
    }

    [Theory]
    [InlineData(RamDiskCompletion.Inline)]
    [InlineData(RamDiskCompletion.Worker)]
    public async Task AllBiosOfARequestAreInFlightBeforeAnyCompletes(RamDiskCompletion completion)
    {
        var limits = new QueueLimits { MaxSectorsBytes = 16 * 1024 };
        using var disk = new RamDisk(DiskBytes, new RamDiskOptions { Limits = limits, Completion = completion });
        BlockBioRecorder recorder = BlockBioRecorder.Attach(disk);
        Memory<byte> buffer = BlockMemory.Aligned(128 * 1024);
        long pinsBefore = PinStats.Acquired - PinStats.Released;
        ValueTask<long> pending;

        using (disk.HoldCompletions())
        {
            pending = DirectIo.ReadAsync(disk, 0, IovIter.User(IterDirection.Dest, buffer));

            Assert.False(pending.IsCompleted);
            Assert.Equal(8, recorder.Bios.Count);
            Assert.Equal(8, disk.InFlight);
            Assert.Equal(32, PinStats.Acquired - PinStats.Released - pinsBefore);
        }

        Assert.Equal(buffer.Length, await pending);
        Assert.Equal(0, disk.InFlight);
    }

    [Fact]
    public async Task BiosAreSubmittedWhileEarlierOnesAreStillHeldByTheDevice()
    {
        var limits = new QueueLimits { MaxSectorsBytes = 8 * 1024 };
        var device = new BlockManualDevice(DiskBytes, limits);
        Memory<byte> buffer = BlockMemory.Aligned(64 * 1024);

        ValueTask<long> pending = DirectIo.WriteAsync(device, 0, IovIter.User(IterDirection.Source, buffer));

        Assert.Equal(8, device.Submitted);
        Assert.False(pending.IsCompleted);
        device.CompleteLastFirst(_ => BlkStatus.Ok);
        Assert.Equal(buffer.Length, await pending);
    }

    private static void AssertCoverExactlyInOrder(IReadOnlyList<BlockBioSnapshot> bios, long offset, long length, QueueLimits limits)
    {
        Assert.NotEmpty(bios);
        long at = offset;
        foreach (BlockBioSnapshot bio in bios)
        {
            Assert.Equal(at, bio.Position);
            Assert.InRange(bio.Size, limits.LogicalBlockSize, limits.MaxSectorsBytes);
            Assert.Equal(0, bio.Size % limits.LogicalBlockSize);
            Assert.InRange(bio.VecCount, 1, limits.MaxSegments);
            Assert.All(bio.Vecs, v => Assert.InRange(v.Length, 1, limits.MaxSegmentSize));
            Assert.Equal(bio.Size, bio.Vecs.Sum(v => v.Length));
            at += bio.Size;
        }
        Assert.Equal(offset + length, at);
    }

    private static byte[] Raw(RamDisk disk, long offset, int length)
    {
        byte[] bytes = new byte[length];
        disk.ReadRaw(offset, bytes);
        return bytes;
    }
}
