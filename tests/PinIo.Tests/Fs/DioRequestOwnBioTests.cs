using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Fs;

/// <summary>
/// A request's own first bio (block/fops.c's blkdev_dio carries its bio): the first bio a
/// request takes is its own, later ones come from the bio pool, and the own bio never goes to
/// the pool, where another request could take it while this one still holds it.
/// </summary>
public sealed class DioRequestOwnBioTests : PinBalancedTest
{
    private const int BioBytes = 16 * 1024;

    private static readonly QueueLimits s_limits = new() { MaxSectorsBytes = BioBytes };

    [Fact]
    public void TheFirstBioIsTheRequestsOwn_AndGivingItBackLeavesThePoolWithout()
    {
        IovIter iter = IovIter.User(IterDirection.Dest, BlockMemory.Aligned(BioBytes));
        DioRequest dio = DioRequest.Rent(BioOp.Read, 0, iter, 0, long.MaxValue, inlineContinuations: true);
        Bio own = dio.RentBio(BioOp.Read, 0, s_limits);
        Bio pooled = dio.RentBio(BioOp.Read, 8, s_limits);
        Assert.NotSame(own, pooled);

        dio.ReturnBio(pooled);
        dio.ReturnBio(own);

        // The pool hands back its most recent bio first: had the own bio gone there, it would be this one.
        Bio next = BioPool.Rent(BioOp.Read, 0, s_limits);
        Assert.NotSame(own, next);
        BioPool.Return(next);
        Assert.True(dio.ReleaseSubmitter());
        Assert.Equal(0, dio.ConsumeResult());
    }

    [Fact]
    public async Task RequestsOfOneAndOfManyBios_OnManyThreads_EachReadTheirOwnData()
    {
        const int RequestBytes = 4 * BioBytes;
        const int Slots = 16;
        using var disk = new RamDisk(Slots * RequestBytes, new RamDiskOptions { Limits = s_limits, Completion = RamDiskCompletion.Worker });
        byte[] content = DioPathTests.Pattern(Slots * RequestBytes, seed: 5);
        disk.WriteRaw(0, content);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            Memory<byte> buffer = BlockMemory.Aligned(RequestBytes);
            for (int i = 0; i < 200; i++)
            {
                int slot = random.Next(Slots);
                int bytes = BioBytes * random.Next(1, 5);
                Memory<byte> into = buffer[..bytes];
                into.Span.Clear();
                long read = await DirectIo.ReadAsync(disk, (long)slot * RequestBytes, IovIter.User(IterDirection.Dest, into));
                Assert.Equal(bytes, read);
                Assert.True(into.Span.SequenceEqual(content.AsSpan(slot * RequestBytes, bytes)), $"worker {worker}, request {i}: the data of another request");
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60)); // a bio shared by two requests can strand one: fail, not hang
    }
}
