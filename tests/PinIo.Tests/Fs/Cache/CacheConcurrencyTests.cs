using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>
/// Many tasks on one small cache at once — buffered writers and readers, mapped ranges, Direct
/// I/O, flushes and the background flusher — each on a region of its own: every region ends
/// with its owner's last data, the volume is consistent, and every page comes back.
/// </summary>
public sealed class CacheConcurrencyTests : PinBalancedTest
{
    private const int Tasks = 6;
    private const int RegionBytes = 12 * 4096;

    [Theory]
    [InlineData(DirectIoPath.Iomap, 4096)]
    [InlineData(DirectIoPath.Legacy, 16384)]
    public async Task TasksOnTheirOwnRegions_UnderCachePressure_EachEndsWithItsOwnData(DirectIoPath path, int blockSize)
    {
        using RamDisk disk = StaleDisk(16 << 20);
        byte[][] expected = new byte[Tasks][];
        using (Volume volume = Volume.Format(disk, new VolumeOptions { DirectIoPath = path, BlockSize = blockSize, PageCacheBytes = 64 * 4096, WritebackInterval = TimeSpan.FromMilliseconds(2) }))
        {
            using VolumeFile file = volume.Create("f");
            await file.SetLengthAsync(Tasks * RegionBytes);
            await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
            {
                var random = new Random(t);
                byte[] model = new byte[RegionBytes];
                long regionStart = (long)t * RegionBytes;
                for (int op = 0; op < 120; op++)
                {
                    int offset = random.Next(RegionBytes - 1), length = random.Next(1, Math.Min(3 * 4096, RegionBytes - offset));
                    byte[] data = Data(length, t * 1000 + op);
                    switch (random.Next(6))
                    {
                        case 0 or 1:
                            await file.WriteBufferedAsync(regionStart + offset, data);
                            data.CopyTo(model, offset);
                            break;
                        case 2:
                        {
                            byte[] back = new byte[length];
                            Assert.Equal(length, await file.ReadBufferedAsync(regionStart + offset, back));
                            Assert.True(model.AsSpan(offset, length).SequenceEqual(back), $"task {t} op {op}: buffered read differs");
                            break;
                        }
                        case 3:
                        {
                            int page = offset / 4096, pages = Math.Min(2, RegionBytes / 4096 - page);
                            using MappedRange mapped = await file.MapAsync(regionStart + page * 4096L, pages * 4096);
                            Assert.True(model.AsSpan(page * 4096, pages * 4096).SequenceEqual(mapped.Memory.Span), $"task {t} op {op}: mapped memory differs");
                            data.AsSpan(0, Math.Min(length, pages * 4096)).CopyTo(mapped.Memory.Span);
                            data.AsSpan(0, Math.Min(length, pages * 4096)).CopyTo(model.AsSpan(page * 4096));
                            mapped.MarkDirty();
                            break;
                        }
                        case 4:
                        {
                            // Whole blocks, so no two tasks' Direct writes share a block.
                            int b = blockSize, at = offset / b * b, len = Math.Max(1, Math.Min(length, RegionBytes - at) / b) * b;
                            if (RegionBytes % b == 0 && at + len <= RegionBytes)
                            {
                                await WriteAsync(file, regionStart + at, data.AsSpan(0, Math.Min(len, data.Length)).ToArray().Concat(new byte[Math.Max(0, len - data.Length)]).ToArray());
                                data.AsSpan(0, Math.Min(len, data.Length)).CopyTo(model.AsSpan(at));
                                model.AsSpan(at + Math.Min(len, data.Length), Math.Max(0, len - data.Length)).Clear();
                            }
                            break;
                        }
                        default:
                            await file.FlushAsync();
                            break;
                    }
                }
                expected[t] = model;
            })));
            await file.FlushAsync();
            AssertConsistent(volume);
        }
        using (Volume volume = Volume.Mount(disk, Options(path)))
        {
            using VolumeFile file = volume.Open("f");
            byte[] all = await ReadAllAsync(file);
            for (int t = 0; t < Tasks; t++)
            {
                Assert.True(expected[t].AsSpan().SequenceEqual(all.AsSpan(t * RegionBytes, RegionBytes)), $"region {t} differs after the remount");
            }
        }
    }
}
