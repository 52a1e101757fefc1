using PinIo.Devices;
using PinIo.Fs;
using PinIo.Iov;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.Cache.PageCacheTesting;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>Direct and buffered I/O on one file are coherent (iomap_dio_rw's write-and-wait before, invalidate after), in both orders and concurrently.</summary>
public sealed class CoherenceTests : PinBalancedTest
{
    [Theory]
    [InlineData(DirectIoPath.Iomap)]
    [InlineData(DirectIoPath.Legacy)]
    public async Task ADirectRead_SeesABufferedWriteMadeBeforeIt(DirectIoPath path)
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk, path: path);
        using VolumeFile file = volume.Create("f");
        await WriteAsync(file, 0, Data(16384, 1));
        byte[] data = Data(5000, 2);
        await file.WriteBufferedAsync(3000, data);
        byte[] back = await ReadAsync(file, 0, 16384);
        Assert.Equal(Data(16384, 1)[..3000], back[..3000]);
        Assert.Equal(data, back[3000..8000]);
        Assert.Equal(Data(16384, 1)[8000..], back[8000..]);
        Assert.Equal(0, volume.PageCacheStats.DirtyBytes);
    }

    [Theory]
    [InlineData(DirectIoPath.Iomap)]
    [InlineData(DirectIoPath.Legacy)]
    public async Task ABufferedRead_SeesADirectWriteMadeBeforeIt_EvenWhenThePagesWereCached(DirectIoPath path)
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk, path: path);
        using VolumeFile file = volume.Create("f");
        await file.WriteBufferedAsync(0, Data(16384, 1));
        byte[] back = new byte[16384];
        await file.ReadBufferedAsync(0, back);          // cached, dirty then clean after the Direct write's writeback
        await WriteAsync(file, 4096, Data(8192, 7));
        await file.ReadBufferedAsync(0, back);
        Assert.Equal(Data(16384, 1)[..4096], back[..4096]);
        Assert.Equal(Data(8192, 7), back[4096..12288]);
        Assert.Equal(Data(16384, 1)[12288..], back[12288..]);
        Assert.Equal(0, volume.PageCacheStats.InvalidateFailures);
    }

    [Fact]
    public async Task ADirectWriteOverAMappedPage_CountsAnInvalidateFailure_AndTheMappingShowsTheNewData()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.WriteBufferedAsync(0, Data(8192, 1));
        using MappedRange mapped = await file.MapAsync(0, 8192);
        await WriteAsync(file, 0, Data(4096, 9));
        Assert.Equal(1, volume.PageCacheStats.InvalidateFailures);
        Assert.Equal(Data(4096, 9), mapped.Memory.Span[..4096].ToArray());
        byte[] back = new byte[8192];
        await file.ReadBufferedAsync(0, back);
        Assert.Equal(Data(4096, 9), back[..4096]);
        Assert.Equal(Data(8192, 1)[4096..], back[4096..]);
    }

    [Theory]
    [InlineData(DirectIoPath.Iomap)]
    [InlineData(DirectIoPath.Legacy)]
    public async Task ConcurrentBufferedAndDirectWriters_OnInterleavedPages_EachPageEndsWithItsWritersLastData(DirectIoPath path)
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Format(disk, cacheBytes: 128 * 4096, path: path);
        using VolumeFile file = volume.Create("f");
        const int Pages = 64, Tasks = 4;
        await file.SetLengthAsync(Pages * 4096);
        // Task t owns the page pairs (8k + 2t, 8k + 2t + 1): even pages it writes buffered, odd
        // ones Direct, all sharing one file, cache, writeback and invalidation. One writer per
        // page at a time, as the kernel promises nothing for two at once (a Direct write racing
        // another tears on any device); each read-back of its own page must be exactly what it
        // wrote last, through either kind of read.
        int[][] last = await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            var random = new Random(t);
            int[] rounds = new int[Pages];
            int[] own = Enumerable.Range(0, Pages).Where(p => p / 2 % Tasks == t).ToArray();
            for (int i = 0; i < 150; i++)
            {
                int page = own[random.Next(own.Length)];
                int round = random.Next(1, 50);
                if (page % 2 == 0)
                {
                    await file.WriteBufferedAsync(page * 4096L, Pattern(page, round));
                }
                else
                {
                    await WriteAsync(file, page * 4096L, Pattern(page, round));
                }
                rounds[page] = round;
                int check = own[random.Next(own.Length)];
                byte[] back = new byte[4096];
                if (random.Next(2) == 0)
                {
                    await file.ReadBufferedAsync(check * 4096L, back);
                }
                else
                {
                    back = await ReadAsync(file, check * 4096L, 4096);
                }
                Assert.Equal(rounds[check] == 0 ? new byte[4096] : Pattern(check, rounds[check]), back);
            }
            return rounds;
        })));
        // Each page ends with its writer's last pattern: Direct and buffered reads agree, and so does the device after a flush.
        byte[] buffered = await ReadBufferedAllAsync(file);
        byte[] direct = await ReadAllAsync(file);
        Assert.Equal(direct, buffered);
        for (int page = 0; page < Pages; page++)
        {
            int round = last[page / 2 % Tasks][page];
            Assert.Equal(round == 0 ? new byte[4096] : Pattern(page, round), buffered.AsSpan(page * 4096, 4096).ToArray());
        }
        await file.FlushAsync();
        Assert.Equal(buffered, await ReadAllAsync(file));
    }

    /// <summary>
    /// Two buffered writers of one whole page at the same moment take turns, as under Linux's
    /// folio lock: every read, and the page at the end, is one writer's pattern whole, never a mix.
    /// </summary>
    [Fact]
    public async Task TwoBufferedWritersOfOnePage_TakeTurns_SoThePageIsNeverAMix()
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Format(disk);
        using VolumeFile file = volume.Create("f");
        await file.SetLengthAsync(4096);
        byte[][] patterns = [Pattern(0, 1), Pattern(0, 2)];
        const int Rounds = 6000;
        int mixes = 0;
        // Each round both write the page at once; then, with nobody writing, writer 0 looks.
        using var together = new Barrier(2);
        await Task.WhenAll(Enumerable.Range(0, 2).Select(w => Task.Factory.StartNew(async () =>
        {
            byte[] back = new byte[4096];
            for (int round = 0; round < Rounds; round++)
            {
                together.SignalAndWait();
                await file.WriteBufferedAsync(0, patterns[w]);
                together.SignalAndWait();
                if (w == 0)
                {
                    await file.ReadBufferedAsync(0, back);
                    mixes += back.AsSpan().SequenceEqual(patterns[0]) || back.AsSpan().SequenceEqual(patterns[1]) ? 0 : 1;
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap()));
        Assert.Equal(0, mixes);
    }

    [Fact]
    public async Task ADirectWriteAfterBufferedOnes_IsNotOverwrittenByALaterWriteback()
    {
        using RamDisk disk = StaleDisk();
        using (Volume volume = Format(disk))
        {
            using VolumeFile file = volume.Create("f");
            await file.WriteBufferedAsync(0, Data(8192, 1));
            await WriteAsync(file, 0, Data(8192, 2));
            await file.FlushAsync();
        }
        using (Volume volume = Volume.Mount(disk, Options()))
        {
            using VolumeFile file = volume.Open("f");
            Assert.Equal(Data(8192, 2), await ReadAllAsync(file));
        }
    }

    private static byte[] Pattern(int page, int round)
    {
        byte[] data = new byte[4096];
        data.AsSpan().Fill((byte)(page * 3 + round));
        data[0] = (byte)page;
        data[1] = (byte)round;
        return data;
    }
}
