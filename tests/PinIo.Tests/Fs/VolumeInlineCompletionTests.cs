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
    /// A read over two extents with InlineCompletion ends where its last chunk's bio ends — the
    /// disk's completion thread — as a one-extent read does; the chunks before it never go on
    /// there (the next extent's mapping may wait), which the read's data shows came in whole.
    /// </summary>
    [Fact]
    public async Task AnInlineReadOfTwoExtents_EndsOnTheDisksCompletionThread()
    {
        using var disk = new RamDisk(4 << 20, new RamDiskOptions { Completion = RamDiskCompletion.Worker });
        using Volume volume = Volume.Format(disk, new VolumeOptions());
        using VolumeFile file = volume.Create("f");
        using VolumeFile between = volume.Create("g");
        await WriteAsync(file, 0, Data(B, 1));
        await WriteAsync(between, 0, Data(B, 2));
        await WriteAsync(file, B, Data(B, 3));
        Assert.Equal(2, file.Extents.Count(e => e.Type == IomapType.Mapped));
        Memory<byte> buffer = BlockMemory.Aligned(2 * B);
        bool endedOnCompletionThread = false;

        Assert.Null(await OnTheCompletionThread(disk, file, () => endedOnCompletionThread = disk.OnCompletionThread, buffer));

        Assert.True(endedOnCompletionThread, "the two-extent read did not end on the disk's completion thread");
        Assert.Equal([.. Data(B, 1), .. Data(B, 3)], buffer.ToArray());
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
        // The request's end may run this method on, inline, on the disk's completion thread (the
        // InlineCompletion flag, or the truncate woken by that end): leave it before the
        // synchronous Check, whose I/O could only end on that thread.
        Assert.Equal(B, await CompletionThread.Leave(io));
        await CompletionThread.Leave(truncate.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, file.Length);
        AssertConsistent(volume);
    }

    /// <summary>
    /// A continuation on the disk's completion thread that calls a synchronous Volume API with
    /// I/O to wait for would wait for itself (that thread ends the I/O): it is refused at once,
    /// and the volume stays usable from another thread.
    /// </summary>
    [Fact]
    public async Task ASynchronousCheck_OnTheDisksCompletionThread_IsRefusedInsteadOfHanging()
    {
        using var disk = new RamDisk(4 << 20, new RamDiskOptions { Completion = RamDiskCompletion.Worker });
        using Volume volume = Volume.Format(disk, new VolumeOptions());
        using VolumeFile file = volume.Create("f");
        await WriteAsync(file, 0, Data(B, 1));

        Exception? refused = await OnTheCompletionThread(disk, file, () => volume.Check(), BlockMemory.Aligned(B));

        Assert.IsType<InvalidOperationException>(refused);
        Assert.Contains("completion thread", refused.Message, StringComparison.Ordinal);
        AssertConsistent(volume);
    }

    /// <summary>Dispose on the completion thread with a commit to wait for: refused, the commit still ends and the buffers come back.</summary>
    [Fact]
    public async Task DisposeOnTheDisksCompletionThread_WithACommitToWrite_IsRefused_AndTheCommitStillEnds()
    {
        long poolPagesBefore = PinStats.PoolPagesInUse;
        using var disk = new RamDisk(4 << 20, new RamDiskOptions { Completion = RamDiskCompletion.Worker });
        Volume volume = Volume.Format(disk, new VolumeOptions());
        using (VolumeFile created = volume.Create("f"))
        {
            await WriteAsync(created, 0, Data(B, 1));
        }
        using VolumeFile file = volume.Open("f");

        Exception? refused = await OnTheCompletionThread(disk, file, volume.Dispose, BlockMemory.Aligned(B));

        Assert.IsType<InvalidOperationException>(refused);
        // The commit goes on once the completion thread is back: its end frees the volume's buffers.
        for (int waited = 0; PinStats.PoolPagesInUse != poolPagesBefore && waited < 3000; waited += 10)
        {
            await Task.Delay(10);
        }
        Assert.Equal(poolPagesBefore, PinStats.PoolPagesInUse);
        using Volume mounted = Volume.Mount(disk, new VolumeOptions());
        using VolumeFile reopened = mounted.Open("f");
        Assert.Equal(Data(B, 1), await CompletionThread.Leave(ReadAsync(reopened, 0, B)));
    }

    /// <summary>
    /// Runs <paramref name="call"/> as the continuation of an inline read of
    /// <paramref name="buffer"/>'s length from the file's start, registered while the disk holds
    /// its completions — so on the thread the read ends on, the disk's completion thread — and
    /// returns what it threw, back on the thread pool.
    /// </summary>
    private static async Task<Exception?> OnTheCompletionThread(RamDisk disk, VolumeFile file, Action call, Memory<byte> buffer)
    {
        Task<Exception?> recorded;
        using (disk.HoldCompletions())
        {
            Task<long> read = file.ReadAsync(0, IovIter.User(IterDirection.Dest, buffer), DirectIoFlags.InlineCompletion).AsTask();
            recorded = read.ContinueWith<Exception?>(_ => Record.Exception(call), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        return await CompletionThread.Leave(recorded.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
