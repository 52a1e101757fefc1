using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

public sealed class SmokeTests : PinBalancedTest
{
    [Fact]
    public async Task WriteThenReadRoundTripsThroughRamDisk()
    {
        using var disk = new RamDisk(1 << 20);
        byte[] data = GC.AllocateArray<byte>(8192 + 4096, pinned: true);
        Random.Shared.NextBytes(data);
        Memory<byte> aligned = Align(data, 8192);
        long written = await DirectIo.WriteAsync(disk, 4096, IovIter.User(IterDirection.Source, aligned));
        Assert.Equal(8192, written);
        byte[] back = GC.AllocateArray<byte>(8192 + 4096, pinned: true);
        Memory<byte> alignedBack = Align(back, 8192);
        long read = await DirectIo.ReadAsync(disk, 4096, IovIter.User(IterDirection.Dest, alignedBack));
        Assert.Equal(8192, read);
        Assert.True(aligned.Span.SequenceEqual(alignedBack.Span));
    }

    private static unsafe Memory<byte> Align(byte[] array, int length)
    {
        fixed (byte* p = array)
        {
            int skip = (int)((4096 - ((nint)p & 4095)) & 4095);
            return array.AsMemory(skip, length);
        }
    }
}
