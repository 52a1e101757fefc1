using System.Runtime.CompilerServices;
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
    private const int Warmup = 500;
    private const int Measured = 2000;
    private const int RequestBytes = 4 * PageSize.Bytes;

    [Theory]
    [InlineData(IterDirection.Dest)]
    [InlineData(IterDirection.Source)]
    public void MappedOverwriteAndReadAllocateNothing(IterDirection direction)
    {
        using var disk = new RamDisk(1 << 20, new RamDiskOptions { Limits = new QueueLimits { MaxSectorsBytes = 8192 } });
        var inode = new OneExtentInode(disk);
        using var pool = new PagePool(8);
        Page[] pages = [.. Enumerable.Range(0, 4).Select(_ => pool.Alloc())];
        try
        {
            BioVec[] vecs = [.. pages.Select(p => new BioVec(p, 0, PageSize.Bytes))];
            IovIter[] iters = [.. Enumerable.Range(0, Warmup + Measured).Select(_ => IovIter.Pages(direction, vecs))];

            RunRequests(inode, iters.AsSpan(0, Warmup));
            long before = GC.GetAllocatedBytesForCurrentThread();
            long transferred = RunRequests(inode, iters.AsSpan(Warmup));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal((long)Measured * RequestBytes, transferred);
            Assert.True(allocated == 0, $"{allocated} bytes allocated over {Measured} requests ({(double)allocated / Measured:F1} per request)");
            Assert.Equal(direction == IterDirection.Source ? Warmup + Measured : 0, inode.EndIoCalls);
        }
        finally
        {
            foreach (Page page in pages)
            {
                page.Put();
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long RunRequests(IIomapInode inode, ReadOnlySpan<IovIter> iters)
    {
        long total = 0;
        foreach (IovIter iter in iters)
        {
            ValueTask<long> request = iter.Direction == IterDirection.Dest
                ? IomapDio.ReadAsync(inode, 0, iter)
                : IomapDio.WriteAsync(inode, 0, iter);
            if (!request.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("an inline RamDisk request did not complete synchronously");
            }
            total += request.Result;
        }
        return total;
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
