using PinIo.Block;
using PinIo.Devices;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary>
/// Discard on a FileDevice where the engine cannot hand it to the kernel as a request: a ring
/// with CompletionPolling (IORING_SETUP_IOPOLL refuses IORING_OP_FALLOCATE) punches the hole
/// on the polling thread, and the bio ends in the next Poll, as a flush does there.
/// </summary>
public sealed class FileDeviceDiscardTests : PinBalancedTest
{
    private const int FileBytes = 1 << 20;

    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task OnACompletionPollingRing_ADiscardPunchesTheHoleOnThePollingThread_AndEndsInPoll()
    {
        string path = _dir.File("polled");
        byte[] pattern = TestPattern.Make(FileBytes, seed: 11);
        File.WriteAllBytes(path, pattern);
        using (FileDevice device = FileDevice.Open(path, new FileDeviceOptions { PolledCompletions = true, CompletionPolling = true }))
        {
            Assert.Equal(IoEngine.IoUring, device.Engine);

            ValueTask pending = BlkLib.IssueDiscardAsync(device, 256 * 1024, 512 * 1024);
            Assert.False(pending.IsCompleted, "a polled ring ends its bios only in Poll");
            while (!pending.IsCompleted)
            {
                device.Poll(1);
            }
            await pending;
        }

        byte[] after = File.ReadAllBytes(path);
        Assert.Equal(FileBytes, after.Length);
        TestPattern.AssertBytes(pattern.AsSpan(0, 256 * 1024), after.AsSpan(0, 256 * 1024), "before the hole");
        Assert.True(after.AsSpan(256 * 1024, 512 * 1024).IndexOfAnyExcept((byte)0) < 0, "the hole reads as zeroes");
        TestPattern.AssertBytes(pattern.AsSpan(768 * 1024), after.AsSpan(768 * 1024), "after the hole");
    }

    /// <summary>
    /// A polled ring (PolledCompletions, pinio's io_uring jobs) discarding on a block device,
    /// all of it cached first: the discard ends within the caller's polls, at offset 0 and
    /// elsewhere. (pinio's trims hung on such a ring; the cause was the CLI's reap — see
    /// TrimJobTests — and this pins down that the device side is sound.)
    /// </summary>
    [SkippableTheory]
    [InlineData(0)]
    [InlineData(512 * 1024)]
    public async Task OnAPolledRing_ABlockDeviceDiscardEnds(long offset)
    {
        using FileLoopDevice loop = FileLoopDevice.Create(FileBytes, backingDirectory: "/dev/shm");
        using (var stream = new FileStream(loop.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1))
        {
            stream.ReadExactly(new byte[FileBytes]);
        }
        using FileDevice device = FileDevice.Open(loop.Path, new FileDeviceOptions { PolledCompletions = true });

        ValueTask pending = BlkLib.IssueDiscardAsync(device, offset, 64 * 1024);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!pending.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            device.Poll(1);
        }

        Assert.True(pending.IsCompleted, $"the discard at {offset} did not end in 30 s of polling");
        await pending;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
