using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using PinIo.Tests.Linux;
using Xunit;

namespace PinIo.Tests.Devices;

/// <summary>The preadv2/pwritev2 engine: a few workers, more bios than workers, disposal with bios queued.</summary>
public sealed class SyncEngineTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Theory]
    [InlineData(0)] // taken as one worker
    [InlineData(1)]
    [InlineData(4)]
    public async Task FarMoreRequestsThanWorkers_AllComplete_AndLandWhereTheyShould(int workers)
    {
        const int Requests = 128, Length = 16 * 1024;
        using FileDevice device = FileDevice.Open(_dir.File("f"), new FileDeviceOptions { Engine = IoEngine.Sync, Create = true, SyncWorkers = workers });
        Assert.Equal(IoEngine.Sync, device.Engine);
        Assert.False(device.UsesFixedBuffers);
        nint native = FileBuffers.AllocNative(Requests * Length);
        try
        {
            byte[] data = FileWorkload.Data(Requests * Length, seed: workers);
            data.CopyTo(FileBuffers.Native(native, data.Length));
            long[] written = await Task.WhenAll(Enumerable.Range(0, Requests).Select(i =>
                DirectIo.WriteAsync(device, (long)i * Length, IovIter.Kernel(IterDirection.Source, [new KernelVec(native + (i * Length), Length)])).AsTask()));
            FileBuffers.Native(native, data.Length).Clear();
            long[] read = await Task.WhenAll(Enumerable.Range(0, Requests).Select(i =>
                DirectIo.ReadAsync(device, (long)i * Length, IovIter.Kernel(IterDirection.Dest, [new KernelVec(native + (i * Length), Length)])).AsTask()));

            Assert.All(written.Concat(read), n => Assert.Equal(Length, n));
            FileModel.AssertSame(data, FileBuffers.Native(native, Requests * Length), 0, $"{Requests} requests on {workers} worker(s)");
        }
        finally
        {
            FileBuffers.FreeNative(native);
        }
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
