using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>
/// Buffered round trips at every alignment against a byte-array model, mixed with Direct I/O,
/// truncation, holes, flushes and eviction (a cache of 64 pages under a file of up to 96 pages),
/// on both Direct I/O paths and with file-system blocks larger than a page.
/// </summary>
public sealed class BufferedModelTests : PinBalancedTest
{
    private const int Span = 96 * 4096;

    [Theory]
    [InlineData(1, DirectIoPath.Iomap, 4096)]
    [InlineData(2, DirectIoPath.Legacy, 4096)]
    [InlineData(3, DirectIoPath.Iomap, 16384)]
    [InlineData(4, DirectIoPath.Legacy, 16384)]
    public async Task EveryOperationAtAnyAlignment_AgreesWithTheModel_AndSurvivesARemount(int seed, DirectIoPath path, int blockSize)
    {
        using RamDisk disk = StaleDisk(8 << 20);
        var model = new List<byte>();
        var random = new Random(seed);
        using (Volume volume = Format(disk, cacheBytes: 64 * 4096, path: path, blockSize: blockSize))
        {
            using VolumeFile file = volume.Create("f");
            for (int op = 0; op < 400; op++)
            {
                await RandomOpAsync(random, file, model, seed * 10000 + op);
            }
            await file.FlushAsync();
            AssertConsistent(volume);
            Assert.Equal(model.Count, file.Length);
            Assert.Equal(model.ToArray(), await ReadBufferedAllAsync(file));
            Assert.Equal(model.ToArray(), await ReadAllAsync(file));
        }
        using (Volume volume = Volume.Mount(disk, Options(path)))
        {
            using VolumeFile file = volume.Open("f");
            Assert.Equal(model.ToArray(), await ReadAllAsync(file));
            AssertConsistent(volume);
        }
    }

    private static async Task RandomOpAsync(Random random, VolumeFile file, List<byte> model, int dataSeed)
    {
        int offset = random.Next(Span);
        int length = random.Next(1, random.Next(2) == 0 ? 200 : 3 * 4096 + 300);
        switch (random.Next(10))
        {
            case 0 or 1 or 2:
            {
                byte[] data = Data(length, dataSeed);
                Assert.Equal(length, await file.WriteBufferedAsync(offset, data));
                Grow(model, offset + length);
                data.CopyTo(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(model)[offset..]);
                break;
            }
            case 3 or 4 or 5:
            {
                byte[] back = new byte[length];
                int n = await file.ReadBufferedAsync(offset, back);
                int expected = Math.Max(0, Math.Min(length, model.Count - offset));
                Assert.Equal(expected, n);
                Assert.True(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(model).Slice(Math.Min(offset, model.Count), n).SequenceEqual(back.AsSpan(0, n)), $"buffered read at {offset} for {length} differs from the model");
                break;
            }
            case 6:
            {
                // Direct I/O between buffered ones: 512-aligned.
                int at = offset / 512 * 512, len = Math.Max(1, length / 512) * 512;
                if (random.Next(2) == 0)
                {
                    byte[] data = Data(len, dataSeed);
                    await WriteAsync(file, at, data);
                    Grow(model, at + len);
                    data.CopyTo(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(model)[at..]);
                }
                else
                {
                    byte[] back = await ReadAsync(file, at, len);
                    int expected = Math.Max(0, Math.Min(len, model.Count - at));
                    Assert.Equal(expected, back.Length);
                    Assert.True(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(model).Slice(Math.Min(at, model.Count), expected).SequenceEqual(back), $"direct read at {at} for {len} differs from the model");
                }
                break;
            }
            case 7:
            {
                int size = random.Next(Span);
                await file.SetLengthAsync(size);
                if (size < model.Count)
                {
                    model.RemoveRange(size, model.Count - size);
                }
                Grow(model, size);
                break;
            }
            case 8:
            {
                await file.PunchHoleAsync(offset, length);
                for (int k = offset; k < Math.Min(offset + length, model.Count); k++)
                {
                    model[k] = 0;
                }
                break;
            }
            default:
                await file.FlushAsync();
                break;
        }
    }

    private static void Grow(List<byte> model, long length)
    {
        while (model.Count < length)
        {
            model.Add(0);
        }
    }
}
