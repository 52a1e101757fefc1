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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
