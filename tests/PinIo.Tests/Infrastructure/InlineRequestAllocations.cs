using System.Runtime.CompilerServices;
using PinIo.Iov;
using PinIo.Mm;

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
