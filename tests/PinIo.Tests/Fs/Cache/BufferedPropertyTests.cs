using CsCheck;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>
/// A property (CsCheck): any sequence of buffered writes at any offsets and lengths, with
/// flushes between, reads back buffered and Direct as the byte model says — in a cache of 64
/// pages so that writeback and eviction run in the middle of it; CsCheck shrinks a failure.
/// </summary>
public sealed class BufferedPropertyTests : PinBalancedTest
{
    private const int Span = 80 * 4096;

    private static readonly Gen<(int Offset, int Length, bool Flush)[]> s_writes =
        Gen.Select(Gen.Int[0, Span - 1], Gen.Int[1, 20000], Gen.Int[0, 5].Select(x => x == 0)).Array[1, 25];

    [Fact]
    public void AnySequenceOfBufferedWrites_ReadsBackAsTheModel_BufferedDirectAndAfterARemount()
    {
        s_writes.Sample(writes => RunAsync(writes).GetAwaiter().GetResult(), iter: 60, threads: 1);
    }

    private static async Task RunAsync((int Offset, int Length, bool Flush)[] writes)
    {
        using RamDisk disk = StaleDisk(4 << 20);
        var model = new List<byte>();
        using (Volume volume = Format(disk, cacheBytes: 64 * 4096))
        {
            using VolumeFile file = volume.Create("f");
            int seed = 0;
            foreach ((int offset, int length, bool flush) in writes)
            {
                byte[] data = Data(length, seed++);
                await file.WriteBufferedAsync(offset, data);
                while (model.Count < offset + length)
                {
                    model.Add(0);
                }
                data.CopyTo(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(model)[offset..]);
                if (flush)
                {
                    await file.FlushAsync();
                }
            }
            Assert.Equal(model.ToArray(), await ReadBufferedAllAsync(file));
            Assert.Equal(model.ToArray(), await ReadAllAsync(file));
        }
        using (Volume volume = Volume.Mount(disk, Options()))
        {
            using VolumeFile file = volume.Open("f");
            Assert.Equal(model.ToArray(), await ReadAllAsync(file));
            AssertConsistent(volume);
        }
    }
}
