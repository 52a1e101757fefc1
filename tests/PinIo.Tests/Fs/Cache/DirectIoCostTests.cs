using System.Runtime.CompilerServices;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Mm;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>
/// The cost rule: a file with no cached page pays nothing on the Direct I/O path for the cache
/// (mapping->nrpages is read, nothing else) — overwrites and reads still allocate nothing per
/// request, on a volume whose cache exists and on a file whose pages a Direct write dropped.
/// </summary>
public sealed class DirectIoCostTests : PinBalancedTest
{
    private const int Warmup = 300;
    private const int Measured = 1000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DirectOverwritesAndReads_OfAFileWithNoCachedPage_AllocateNothing(bool fileWasCachedBefore)
    {
        using var disk = new RamDisk(8 << 20);
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        using PagePool pool = new(4);
        Page[] pages = [.. Enumerable.Range(0, 4).Select(_ => pool.Alloc())];
        BioVec[] vecs = [.. pages.Select(p => new BioVec(p, 0, PageSize.Bytes))];
        try
        {
            await RunAsync(file, fileWasCachedBefore, vecs);
        }
        finally
        {
            foreach (Page page in pages)
            {
                page.Put();
            }
        }
    }

    /// <summary>Bvecs of pool pages: no pin per request, so the balance check's pin-owner recording allocates nothing either.</summary>
    private static async Task RunAsync(VolumeFile file, bool fileWasCachedBefore, BioVec[] vecs)
    {
        await file.WriteAsync(0, IovIter.Pages(IterDirection.Source, vecs));
        using (VolumeFile other = file.Volume.Create("g"))
        {
            await other.WriteBufferedAsync(0, new byte[100]);              // the volume's cache exists
        }
        if (fileWasCachedBefore)
        {
            await file.ReadBufferedAsync(0, new byte[4 * PageSize.Bytes]);
            await file.WriteAsync(0, IovIter.Pages(IterDirection.Source, vecs));   // drops them
            Assert.False(file.Inode.Cache!.MayHavePages);
        }
        IovIter[] iters = [.. Enumerable.Range(0, 2 * (Warmup + Measured)).Select(i => IovIter.Pages(i % 2 == 0 ? IterDirection.Source : IterDirection.Dest, vecs))];
        Run(file, iters.AsSpan(0, 2 * Warmup));
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(file, iters.AsSpan(2 * Warmup));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {2 * Measured} Direct requests");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Run(VolumeFile file, ReadOnlySpan<IovIter> iters)
    {
        foreach (IovIter iter in iters)
        {
            ValueTask<long> request = iter.Direction == IterDirection.Source
                ? file.WriteAsync(0, iter, DirectIoFlags.InlineCompletion)
                : file.ReadAsync(0, iter, DirectIoFlags.InlineCompletion);
            if (!request.IsCompletedSuccessfully || request.Result != 4 * PageSize.Bytes)
            {
                throw new InvalidOperationException("an inline RamDisk request did not complete at once");
            }
        }
    }
}
