using System.Runtime.CompilerServices;
using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using Xunit;

namespace PinIo.Tests.Infrastructure;

/// <summary>
/// The allocation probe of the Direct I/O hot paths: requests of four pool pages (iterators made
/// beforehand, so only the path under test is measured), warmed up, then counted with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/>. Every request must end inside its call
/// (an inline RAM disk), so the whole path runs on this thread.
/// </summary>
internal static class InlineRequestAllocations
{
    public const int Warmup = 500;
    public const int Measured = 2000;
    public const int RequestBytes = 4 * PageSize.Bytes;

    /// <summary>
    /// DirectIo requests on an inline RamDisk of 8 KiB bios: asserts that every measured request
    /// moved its bytes and that none allocated; returns the disk (disposed by the caller) for the
    /// caller's own checks.
    /// </summary>
    public static RamDisk AssertNoneAllocateOnAnInlineRamDisk(IterDirection direction)
    {
        var disk = new RamDisk(1 << 20, new RamDiskOptions { Limits = new QueueLimits { MaxSectorsBytes = 8192 } });
        (long transferred, long allocated) = Measure(direction, iter => iter.Direction == IterDirection.Dest
            ? DirectIo.ReadAsync(disk, 0, iter)
            : DirectIo.WriteAsync(disk, 0, iter));

        Assert.Equal((long)Measured * RequestBytes, transferred);
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {Measured} requests ({(double)allocated / Measured:F1} per request)");
        return disk;
    }

    /// <summary>Bytes the measured requests transferred, and bytes they allocated.</summary>
    public static (long Transferred, long Allocated) Measure(IterDirection direction, Func<IovIter, ValueTask<long>> issue)
    {
        using var pool = new PagePool(8);
        Page[] pages = [.. Enumerable.Range(0, 4).Select(_ => pool.Alloc())];
        try
        {
            BioVec[] vecs = [.. pages.Select(p => new BioVec(p, 0, PageSize.Bytes))];
            IovIter[] iters = [.. Enumerable.Range(0, Warmup + Measured).Select(_ => IovIter.Pages(direction, vecs))];

            Run(issue, iters.AsSpan(0, Warmup));
            long before = GC.GetAllocatedBytesForCurrentThread();
            long transferred = Run(issue, iters.AsSpan(Warmup));
            return (transferred, GC.GetAllocatedBytesForCurrentThread() - before);
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
    private static long Run(Func<IovIter, ValueTask<long>> issue, ReadOnlySpan<IovIter> iters)
    {
        long total = 0;
        foreach (IovIter iter in iters)
        {
            ValueTask<long> request = issue(iter);
            if (!request.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("an inline RamDisk request did not complete synchronously");
            }
            total += request.Result;
        }
        return total;
    }
}
