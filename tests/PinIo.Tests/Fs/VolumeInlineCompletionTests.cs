using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs;

/// <summary>
/// VolumeFile's DirectIoFlags overloads: InlineCompletion finishes an overwrite of mapped
/// blocks inside the call on a device that completes at submission (as DirectIo on the raw
/// device does), and is dropped where end_io has work (a write that moves the size).
/// </summary>
public sealed class VolumeInlineCompletionTests : PinBalancedTest
{
    private const int B = VolumeTesting.Block;

    [Fact]
    public async Task InlineOverwriteOfMappedBlocks_OnAnInlineDisk_CompletesInsideTheCall()
    {
        using var disk = new RamDisk(4 << 20);
        using Volume volume = Volume.Format(disk, new VolumeOptions());
        using VolumeFile file = volume.Create("f");
        await WriteAsync(file, 0, Data(3 * B, 1));
        Memory<byte> buffer = BlockMemory.Aligned(B);
        Data(B, 7).CopyTo(buffer);

        ValueTask<long> write = file.WriteAsync(B, IovIter.User(IterDirection.Source, buffer), DirectIoFlags.InlineCompletion);

        Assert.True(write.IsCompletedSuccessfully);
        Assert.Equal(B, await write);
        ValueTask<long> read = file.ReadAsync(B, IovIter.User(IterDirection.Dest, buffer), DirectIoFlags.InlineCompletion);
        Assert.True(read.IsCompletedSuccessfully);
        Assert.Equal(B, await read);
        Assert.Equal(Data(B, 7), buffer.ToArray());
        Assert.Equal(3 * B, file.Length);
        AssertConsistent(volume);
    }

    [Theory]
    [InlineData(DirectIoPath.Iomap, RamDiskCompletion.Inline)]
    [InlineData(DirectIoPath.Iomap, RamDiskCompletion.Worker)]
    [InlineData(DirectIoPath.Legacy, RamDiskCompletion.Inline)]
    [InlineData(DirectIoPath.Legacy, RamDiskCompletion.Worker)]
    public async Task InlineWrites_ThatExtendAllocateOrOverwrite_ReadBackAndMoveTheSize(DirectIoPath path, RamDiskCompletion completion)
    {
        using var disk = new RamDisk(4 << 20, new RamDiskOptions { Completion = completion });
        using Volume volume = Volume.Format(disk, new VolumeOptions { DirectIoPath = path });
        using VolumeFile file = volume.Create("f");
        Memory<byte> buffer = BlockMemory.Aligned(2 * B);
        for (int round = 0; round < 3; round++)
        {
            // Allocating and extending (round 0), then overwrites of the same mapped blocks.
            for (int i = 0; i < 8; i++)
            {
                Data(2 * B, round * 10 + i).CopyTo(buffer);
                Assert.Equal(2 * B, await file.WriteAsync((long)i * 2 * B, IovIter.User(IterDirection.Source, buffer), DirectIoFlags.InlineCompletion));
                Assert.Equal(Math.Max((long)(i + 1) * 2 * B, round == 0 ? 0 : 16 * B), file.Length);
            }
            for (int i = 0; i < 8; i++)
            {
                Assert.Equal(Data(2 * B, round * 10 + i), await ReadAsync(file, (long)i * 2 * B, 2 * B));
            }
        }
        AssertConsistent(volume);
    }

    /// <summary>
    /// The one-extent requests carry the file's Direct I/O count into the block layer and leave
    /// it when they end, with no frame awaiting them: a truncate must still wait for each, read
    /// or write, inline or not, and go on once it ends.
    /// </summary>
    [Theory]
    [InlineData(false, DirectIoFlags.None)]
    [InlineData(true, DirectIoFlags.None)]
    [InlineData(false, DirectIoFlags.InlineCompletion)]
    [InlineData(true, DirectIoFlags.InlineCompletion)]
    public async Task AnOverwriteOrReadInFlight_HoldsATruncateBack_UntilItEnds(bool write, DirectIoFlags flags)
    {
        using var disk = new RamDisk(4 << 20, new RamDiskOptions { Completion = RamDiskCompletion.Worker });
        using Volume volume = Volume.Format(disk, new VolumeOptions());
        using VolumeFile file = volume.Create("f");
        await WriteAsync(file, 0, Data(4 * B, 1));
        Memory<byte> buffer = BlockMemory.Aligned(B);
        Data(B, 9).CopyTo(buffer);
        Task<long> io;
        Task truncate;
        using (disk.HoldCompletions())
        {
            io = write
                ? file.WriteAsync(B, IovIter.User(IterDirection.Source, buffer), flags).AsTask()
                : file.ReadAsync(B, IovIter.User(IterDirection.Dest, buffer), flags).AsTask();
            truncate = file.SetLengthAsync(0).AsTask();
            await Task.Delay(20);
            Assert.False(io.IsCompleted);
            Assert.False(truncate.IsCompleted, "the truncate did not wait for the request in flight");
        }
        Assert.Equal(B, await io);
        await truncate.WaitAsync(TimeSpan.FromSeconds(30));
        // With InlineCompletion the awaits above may resume on the disk's completion thread, and
        // what follows blocks (Check commits synchronously, Dispose unmounts) on I/O only that
        // thread completes: a continuation must not block there (DirectIoFlags.InlineCompletion).
        await Task.Yield();
        Assert.Equal(0, file.Length);
        AssertConsistent(volume);
    }

    /// <summary>A request that fails at the device, or is refused before it starts, still leaves the file: a truncate after it goes through.</summary>
    [Theory]
    [InlineData(RamDiskCompletion.Inline, true)]
    [InlineData(RamDiskCompletion.Worker, true)]
    [InlineData(RamDiskCompletion.Inline, false)]
    [InlineData(RamDiskCompletion.Worker, false)]
    public async Task AFailedOrRefusedOverwrite_StillLeavesTheFile(RamDiskCompletion completion, bool failAtTheDevice)
    {
        using var disk = new RamDisk(4 << 20, new RamDiskOptions { Completion = completion });
        using Volume volume = Volume.Format(disk, new VolumeOptions());
        using VolumeFile file = volume.Create("f");
        await WriteAsync(file, 0, Data(4 * B, 1));
        Memory<byte> buffer = BlockMemory.Aligned(B + 512);
        Data(B, 9).CopyTo(buffer);
        if (failAtTheDevice)
        {
            disk.FaultInjector = bio => bio.Op == BioOp.Write ? BlkStatus.IoError : BlkStatus.Ok;
            var e = await Assert.ThrowsAsync<DirectIoException>(() => file.WriteAsync(B, IovIter.User(IterDirection.Source, buffer[..B]), DirectIoFlags.InlineCompletion).AsTask());
            Assert.Equal(Errno.EIO, e.Errno);
            disk.FaultInjector = null;
        }
        else
        {
            // Memory off the device's DMA alignment: refused before any bio is built.
            var e = Assert.Throws<DirectIoException>(() => { _ = file.WriteAsync(B, IovIter.User(IterDirection.Source, buffer.Slice(8, B)), DirectIoFlags.InlineCompletion).AsTask(); });
            Assert.Equal(Errno.EINVAL, e.Errno);
        }

        await file.SetLengthAsync(B).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Data(B, 1), await ReadAsync(file, 0, B));
        AssertConsistent(volume);
    }
}
