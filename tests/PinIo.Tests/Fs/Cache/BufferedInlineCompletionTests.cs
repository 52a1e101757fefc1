using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>
/// Where a buffered read that waited for the device goes on: on the device's completion thread
/// (io_uring's ring thread, a RamDisk's worker) only when the caller asked with
/// DirectIoFlags.InlineCompletion — read-ahead itself always caches its pages there — and on
/// the thread pool otherwise, so that a caller who blocks after the await never stalls the ring.
/// </summary>
public sealed class BufferedInlineCompletionTests : PinBalancedTest, IDisposable
{
    private const int FileBytes = 4 << 20;
    private readonly TempDirectory _dir = new();

    /// <summary>
    /// On io_uring a read that waits for the device never goes on on the ring thread unless
    /// asked. The converse is not checked here: the ring may end a read before an await inside
    /// it registers (first calls are JIT-compiled), and such a continuation is rightly queued
    /// to the thread pool; the held RamDisk below proves where an asked-for continuation runs.
    /// </summary>
    [Theory]
    [InlineData(DirectIoFlags.None)]
    [InlineData(DirectIoFlags.InlineCompletion)]
    public async Task OnIoUring_AReadThatWaitsForTheDevice_GoesOnOnTheRingThread_OnlyWhenAskedTo(DirectIoFlags flags)
    {
        using FileDevice device = FileDevice.Open(_dir.File("img"), new FileDeviceOptions { Engine = IoEngine.IoUring, Create = true, InitialSize = 16 << 20, BufferPoolBytes = 0 });
        using Volume volume = Volume.Format(device, PageCacheTesting.Options());
        using VolumeFile file = volume.Create("f");
        byte[] data = Data(FileBytes, 3);
        Assert.Equal(FileBytes, await file.WriteBufferedAsync(0, data));
        Assert.NotEqual("pinio-uring", Thread.CurrentThread.Name);
        await file.FlushAsync();
        Assert.NotEqual("pinio-uring", Thread.CurrentThread.Name);
        await file.DropCacheAsync();
        Assert.NotEqual("pinio-uring", Thread.CurrentThread.Name);

        byte[] read = new byte[128 << 10];
        int seenOnRing = 0, waited = 0;
        for (int offset = 0; offset < FileBytes; offset += read.Length)
        {
            ValueTask<int> pending = file.ReadBufferedAsync(offset, read, flags);
            waited += pending.IsCompleted ? 0 : 1;
            Assert.Equal(read.Length, await pending);
            seenOnRing += Thread.CurrentThread.Name == "pinio-uring" ? 1 : 0;
            Assert.True(data.AsSpan(offset, read.Length).SequenceEqual(read), $"bytes at {offset} differ");
            // Back off the ring thread before the next read, as a caller that blocks would need to.
            await Task.Yield();
        }
        Assert.True(waited > 0, "no read waited for the device: the test proves nothing");
        if (flags == DirectIoFlags.None)
        {
            Assert.Equal(0, seenOnRing);
        }
    }

    /// <summary>
    /// With the device's completions held, every await inside a read registers before its I/O
    /// ends: a read that missed goes on on the disk's completion thread only if it asked to,
    /// and so does a second reader waiting for that read's pages (a waiter goes on where the
    /// fill ended, so only an inline miss can take an inline waiter with it).
    /// </summary>
    [Theory]
    [InlineData(DirectIoFlags.None, DirectIoFlags.None)]
    [InlineData(DirectIoFlags.None, DirectIoFlags.InlineCompletion)]
    [InlineData(DirectIoFlags.InlineCompletion, DirectIoFlags.None)]
    [InlineData(DirectIoFlags.InlineCompletion, DirectIoFlags.InlineCompletion)]
    public async Task AMissAndAReaderWaitingForIt_GoOnOnTheCompletionThread_OnlyWhenAskedTo(DirectIoFlags missFlags, DirectIoFlags waiterFlags)
    {
        using var disk = new RamDisk(16 << 20, new RamDiskOptions { Completion = RamDiskCompletion.Worker });
        using Volume volume = PageCacheTesting.Format(disk);
        using VolumeFile file = volume.Create("f");
        byte[] data = Data(256 << 10, 5);
        await file.WriteBufferedAsync(0, data);
        await file.FlushAsync();
        await file.DropCacheAsync();
        byte[] missed = new byte[64 << 10], waitedFor = new byte[64 << 10];
        Task<bool> missEndedOn, waiterEndedOn;
        using (disk.HoldCompletions())
        {
            missEndedOn = EndsOnCompletionThread(disk, file.ReadBufferedAsync(0, missed, missFlags), missed.Length);
            waiterEndedOn = EndsOnCompletionThread(disk, file.ReadBufferedAsync(0, waitedFor, waiterFlags), waitedFor.Length);
            Assert.False(missEndedOn.IsCompleted, "the miss ended with the device's completions held");
            Assert.False(waiterEndedOn.IsCompleted, "the second reader did not wait for the first one's read");
        }
        bool missOnCompletionThread = await CompletionThread.Leave(missEndedOn.WaitAsync(TimeSpan.FromSeconds(30)));
        bool waiterOnCompletionThread = await CompletionThread.Leave(waiterEndedOn.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(missFlags == DirectIoFlags.InlineCompletion, missOnCompletionThread);
        Assert.Equal(missFlags == DirectIoFlags.InlineCompletion && waiterFlags == DirectIoFlags.InlineCompletion, waiterOnCompletionThread);
        Assert.Equal(data.AsSpan(0, missed.Length).ToArray(), missed);
        Assert.Equal(data.AsSpan(0, waitedFor.Length).ToArray(), waitedFor);
    }

    // Whether the read's await went on on the disk's completion thread.
    private static async Task<bool> EndsOnCompletionThread(RamDisk disk, ValueTask<int> read, int expected)
    {
        Assert.Equal(expected, await read.ConfigureAwait(false));
        return disk.OnCompletionThread;
    }

    [Fact]
    public async Task ABufferedRead_RefusesFlagsThatMeanNothingToIt()
    {
        using RamDisk disk = StaleDisk(4 << 20);
        using Volume volume = PageCacheTesting.Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.WriteBufferedAsync(0, Data(4096, 1));
        var e = await Assert.ThrowsAsync<DirectIoException>(async () => await file.ReadBufferedAsync(0, new byte[4096], DirectIoFlags.NoWait));
        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    void IDisposable.Dispose()
    {
        _dir.Dispose();
        Dispose();
    }
}
