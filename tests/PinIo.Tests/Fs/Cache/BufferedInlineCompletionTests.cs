using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>
/// Where a buffered read that waited for the device goes on: on the device's completion thread
/// (io_uring's ring thread) only when the caller asked with DirectIoFlags.InlineCompletion —
/// read-ahead itself always caches its pages there — and on the thread pool otherwise, so
/// that a caller who blocks after the await never stalls the ring.
/// </summary>
public sealed class BufferedInlineCompletionTests : PinBalancedTest, IDisposable
{
    private const int FileBytes = 4 << 20;
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(DirectIoFlags.None, false)]
    [InlineData(DirectIoFlags.InlineCompletion, true)]
    public async Task AReadThatWaitsForTheDevice_GoesOnOnTheRingThread_OnlyWhenAskedTo(DirectIoFlags flags, bool onRing)
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
        if (onRing)
        {
            Assert.True(seenOnRing > 0, $"{waited} reads waited, none went on on the ring thread");
        }
        else
        {
            Assert.Equal(0, seenOnRing);
        }
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
