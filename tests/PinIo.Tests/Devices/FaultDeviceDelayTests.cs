using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary>dm-delay in a <see cref="FaultDevice"/>: the submitter never waits; the bio ends later on the device's thread, data intact.</summary>
public sealed class FaultDeviceDelayTests : PinBalancedTest
{
    [Fact]
    public async Task ADelayedBio_EndsOnTheDelayThread_WithItsData()
    {
        using var direct = new RamDisk(1 << 20);
        using var delayed = new FaultDevice(direct, new FaultOptions { Delay = new DelayOptions { Flush = TimeSpan.FromMilliseconds(1) } }, leaveInnerOpen: true);
        var ended = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        delayed.Submit(new Bio(BioOp.Flush, 0, delayed.Limits) { EndIo = _ => ended.SetResult(Thread.CurrentThread.Name) });
        Assert.Equal("FaultDevice delay", await ended.Task);

        using var disk = new RamDisk(1 << 20);
        using var device = new FaultDevice(disk, new FaultOptions { Delay = new DelayOptions { Write = TimeSpan.FromMilliseconds(5), Read = TimeSpan.FromMilliseconds(5) } }, leaveInnerOpen: true);
        Memory<byte> data = BlockMemory.Aligned(64 * 1024);
        TestPattern.Fill(data.Span, seed: 8);

        Assert.Equal(data.Length, await DirectIo.WriteAsync(device, 0, IovIter.User(IterDirection.Source, data)));

        Memory<byte> back = BlockMemory.Aligned(data.Length);
        Assert.Equal(data.Length, await DirectIo.ReadAsync(device, 0, IovIter.User(IterDirection.Dest, back)));
        TestPattern.AssertBytes(data.Span, back.Span, "bytes through the delay");
    }

    [Fact]
    public async Task Dispose_PassesOnWhatIsStillWaiting_AndEveryBioEndsOnce()
    {
        using var disk = new RamDisk(1 << 20);
        var device = new FaultDevice(disk, new FaultOptions { Delay = new DelayOptions { Write = TimeSpan.FromHours(1) } }, leaveInnerOpen: true);
        Memory<byte> data = BlockMemory.Aligned(16 * 4096);
        TestPattern.Fill(data.Span, seed: 9);

        ValueTask<long> write = DirectIo.WriteAsync(device, 0, IovIter.User(IterDirection.Source, data));
        Assert.False(write.IsCompleted);
        Assert.True(device.InFlight > 0);
        device.Dispose();

        Assert.Equal(data.Length, await write);
        Assert.Equal(0, device.InFlight);
        byte[] onDisk = new byte[data.Length];
        disk.ReadRaw(0, onDisk);
        TestPattern.AssertBytes(data.Span, onDisk, "the write passed on at Dispose");
        Assert.Throws<ObjectDisposedException>(() => device.Submit(new Bio(BioOp.Flush, 0, device.Limits)));
    }
}
