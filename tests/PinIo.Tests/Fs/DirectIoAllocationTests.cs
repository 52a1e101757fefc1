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
/// Steady-state Direct I/O of pool pages allocates nothing per request: bios and requests are
/// recycled, a synchronous completion needs no task. Iterators are made beforehand, so only
/// DirectIo and the device are measured.
/// </summary>
public sealed class DirectIoAllocationTests : PinBalancedTest
{
    private const int Warmup = 500;
    private const int Measured = 2000;
    private const int RequestBytes = 4 * PageSize.Bytes;

    [Theory]
    [InlineData(IterDirection.Dest)]
    [InlineData(IterDirection.Source)]
    public void BvecRequestOnAnInlineRamDiskAllocatesNothing(IterDirection direction)
    {
        using var disk = new RamDisk(1 << 20, new RamDiskOptions { Limits = new QueueLimits { MaxSectorsBytes = 8192 } });
        using var pool = new PagePool(8);
        Page[] pages = [.. Enumerable.Range(0, 4).Select(_ => pool.Alloc())];
        try
        {
            BioVec[] vecs = [.. pages.Select(p => new BioVec(p, 0, PageSize.Bytes))];
            IovIter[] iters = [.. Enumerable.Range(0, Warmup + Measured).Select(_ => IovIter.Pages(direction, vecs))];

            RunRequests(disk, iters.AsSpan(0, Warmup));
            long before = GC.GetAllocatedBytesForCurrentThread();
            long transferred = RunRequests(disk, iters.AsSpan(Warmup));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal((long)Measured * RequestBytes, transferred);
            Assert.True(allocated == 0, $"{allocated} bytes allocated over {Measured} requests ({(double)allocated / Measured:F1} per request)");
            Assert.Equal(2L * (Warmup + Measured), disk.BiosSubmitted);
        }
        finally
        {
            foreach (Page page in pages)
            {
                page.Put();
            }
        }
    }

    /// <summary>Runs each request to completion; an inline device completes them before DirectIo returns.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long RunRequests(RamDisk disk, ReadOnlySpan<IovIter> iters)
    {
        long total = 0;
        foreach (IovIter iter in iters)
        {
            ValueTask<long> request = iter.Direction == IterDirection.Dest
                ? DirectIo.ReadAsync(disk, 0, iter)
                : DirectIo.WriteAsync(disk, 0, iter);
            if (!request.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("an inline RamDisk request did not complete synchronously");
            }
            total += request.Result;
        }
        return total;
    }
}
