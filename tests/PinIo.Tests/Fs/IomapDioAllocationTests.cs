using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// The hot path of a file: reads and overwrites of mapped blocks through <see cref="IomapDio"/>
/// allocate nothing per request beyond what <see cref="DirectIo"/> does (nothing, on an
/// inline RAM disk) — the mapping is a value, end_io of an overwrite converts nothing.
/// </summary>
public sealed class IomapDioAllocationTests : PinBalancedTest
{
    [Theory]
    [InlineData(IterDirection.Dest)]
    [InlineData(IterDirection.Source)]
    public void MappedOverwriteAndReadAllocateNothing(IterDirection direction)
    {
        using var disk = new RamDisk(1 << 20, new RamDiskOptions { Limits = new QueueLimits { MaxSectorsBytes = 8192 } });
        var inode = new OneExtentInode(disk);

        (long transferred, long allocated) = InlineRequestAllocations.Measure(direction, iter => iter.Direction == IterDirection.Dest
            ? IomapDio.ReadAsync(inode, 0, iter)
            : IomapDio.WriteAsync(inode, 0, iter));

        Assert.Equal((long)InlineRequestAllocations.Measured * InlineRequestAllocations.RequestBytes, transferred);
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {InlineRequestAllocations.Measured} requests ({(double)allocated / InlineRequestAllocations.Measured:F1} per request)");
        Assert.Equal(direction == IterDirection.Source ? InlineRequestAllocations.Warmup + InlineRequestAllocations.Measured : 0, inode.EndIoCalls);
    }

    /// <summary>A file of one mapped extent over the whole device, as lean as an inode gets.</summary>
    private sealed class OneExtentInode(IBlockDevice device) : IIomapInode
    {
        public IBlockDevice Device => device;

        public int BlockSize => 4096;

        public long Size => device.Capacity;

        public int EndIoCalls { get; private set; }

        public ValueTask<Iomap> IomapBeginAsync(long offset, long length, IomapIntent intent, CancellationToken ct) =>
            new(new Iomap(0, device.Capacity, IomapType.Mapped, 0, IomapFlags.None));

        public ValueTask DioEndIoAsync(long offset, long bytesDone, bool unwritten, CancellationToken ct)
        {
            EndIoCalls++;
            return ValueTask.CompletedTask;
        }
    }
}
