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
        using RamDisk disk = InlineRequestAllocations.AssertNoneAllocateOnAnInlineRamDisk(direction);

        Assert.Equal(2L * (InlineRequestAllocations.Warmup + InlineRequestAllocations.Measured), disk.BiosSubmitted);
    }
}
