using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// Steady-state Direct I/O of pool pages allocates nothing per request: bios and requests are
/// recycled, a synchronous completion needs no task. Iterators are made beforehand, so only
/// DirectIo and the device are measured.
/// </summary>
public sealed class DirectIoAllocationTests : PinBalancedTest
{
    [Theory]
    [InlineData(IterDirection.Dest)]
    [InlineData(IterDirection.Source)]
    public void BvecRequestOnAnInlineRamDiskAllocatesNothing(IterDirection direction)
    {
        using var disk = new RamDisk(1 << 20, new RamDiskOptions { Limits = new QueueLimits { MaxSectorsBytes = 8192 } });

        (long transferred, long allocated) = InlineRequestAllocations.Measure(direction, iter => iter.Direction == IterDirection.Dest
            ? DirectIo.ReadAsync(disk, 0, iter)
            : DirectIo.WriteAsync(disk, 0, iter));

        Assert.Equal((long)InlineRequestAllocations.Measured * InlineRequestAllocations.RequestBytes, transferred);
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {InlineRequestAllocations.Measured} requests ({(double)allocated / InlineRequestAllocations.Measured:F1} per request)");
        Assert.Equal(2L * (InlineRequestAllocations.Warmup + InlineRequestAllocations.Measured), disk.BiosSubmitted);
    }
}
