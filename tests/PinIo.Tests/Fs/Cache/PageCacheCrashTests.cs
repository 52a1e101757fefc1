using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs.Cache;

/// <summary>
/// Power cuts (FaultDevice's volatile write cache) at a random bio of a workload of buffered
/// writes, writes through mapped ranges, Direct writes, truncations, punches and flushes: the
/// image mounts, Check finds nothing, a file untouched since its last flush reads back what
/// it held then, and no stale device byte shows anywhere.
/// </summary>
public sealed class PageCacheCrashTests : PinBalancedTest
{
    private const int Files = 3;
    private const int FileSpan = 64 * 1024;

    [Theory]
    [InlineData(0, 512, DirectIoPath.Iomap, false)]
    [InlineData(1000, 4096, DirectIoPath.Legacy, false)]
    [InlineData(2000, 512, DirectIoPath.Iomap, true)]
    public async Task AfterAPowerCut_BufferedAndMappedDataThatWasFlushed_IsThere_AndNothingStaleShows(int firstSeed, int logicalBlock, DirectIoPath path, bool backgroundWriteback)
    {
        int cutsAfterAFlush = 0;
        for (int seed = firstSeed; seed < firstSeed + 30; seed++)
        {
            var options = new VolumeOptions
            {
                DirectIoPath = path,
                PageCacheBytes = 96 * 4096,
                WritebackInterval = backgroundWriteback ? TimeSpan.FromMilliseconds(5) : Timeout.InfiniteTimeSpan,
            };
            cutsAfterAFlush += await RunOneAsync(seed, logicalBlock, options) ? 1 : 0;
        }
        Assert.True(cutsAfterAFlush > 0, "no cut came after a flush with data: nothing flushed was checked");
    }

    /// <summary>One seed; true when some file was checked against data flushed before the cut.</summary>
    private static async Task<bool> RunOneAsync(int seed, int logicalBlock, VolumeOptions options)
    {
        var random = new Random(seed);
        using RamDisk disk = StaleDisk(2 << 20, logicalBlock);
        using var fault = new FaultDevice(disk, new FaultOptions { Seed = (ulong)seed + 1, PowerCut = new PowerCutOptions { EarlyWriteBack = 0.2 } }, leaveInnerOpen: true);
        var cutter = new CutAtBio(fault, cutAt: random.Next(10, 300));
        var models = new List<byte>[Files];
        var flushed = new byte[Files][];
        var touched = new bool[Files];
        Volume volume = Volume.Format(cutter, options);
        try
        {
            var files = new VolumeFile[Files];
            for (int i = 0; i < Files; i++)
            {
                files[i] = volume.Create($"f{i}");
                models[i] = [];
                flushed[i] = [];
            }
            await volume.SyncAsync();
            try
            {
                for (int op = 0; op < 80 && !cutter.Dead; op++)
                {
                    int f = random.Next(Files);
                    if (random.Next(4) == 0)
                    {
                        await files[f].FlushAsync();
                        flushed[f] = [.. models[f]];
                        touched[f] = false;
                        continue;
                    }
                    touched[f] = true;
                    await RandomChangeAsync(random, files[f], models[f], seed * 1000 + op, logicalBlock);
                }
            }
            finally
            {
                foreach (VolumeFile file in files)
                {
                    file.Dispose();
                }
            }
        }
        catch (DirectIoException) when (cutter.Dead)
        {
            // The power went while this operation ran.
        }
        finally
        {
            volume.DisposeWithoutCommit();
        }
        if (!cutter.Dead)
        {
            fault.Cut();
        }

        bool checkedFlushed = false;
        using Volume mounted = Volume.Mount(disk, options);
        IReadOnlyList<string> findings = mounted.Check();
        Assert.True(findings.Count == 0, $"seed {seed}: Check found: {string.Join("; ", findings)}");
        for (int i = 0; i < Files; i++)
        {
            using VolumeFile file = mounted.Open($"f{i}");
            byte[] content = await ReadAllAsync(file);
            int stale = Array.IndexOf(content, Stale);
            Assert.True(stale < 0, $"seed {seed}: f{i} shows a stale device byte at {stale}");
            byte[] buffered = new byte[content.Length];
            Assert.Equal(content.Length, await file.ReadBufferedAsync(0, buffered));
            Assert.Equal(content, buffered);
            if (!touched[i])
            {
                Assert.True(flushed[i].AsSpan().SequenceEqual(content), $"seed {seed}: f{i} ({content.Length} bytes) is not what it held at its last flush ({flushed[i].Length} bytes)");
                checkedFlushed |= flushed[i].Length > 0;
            }
        }
        return checkedFlushed;
    }

    /// <summary>A buffered write, a write through a mapped range, a Direct write, a truncate or a punch, applied to the model once the volume did it.</summary>
    private static async Task RandomChangeAsync(Random random, VolumeFile file, List<byte> model, int dataSeed, int logicalBlock)
    {
        int kind = random.Next(6);
        if (kind == 2 && model.Count < 4096)
        {
            kind = 0;
        }
        switch (kind)
        {
            case 0 or 1:
            {
                int offset = random.Next(FileSpan), length = random.Next(1, 12000);
                byte[] data = Data(length, dataSeed);
                await file.WriteBufferedAsync(offset, data);
                Apply(model, offset, data);
                break;
            }
            case 2:
            {
                int pages = model.Count / 4096;
                int first = random.Next(pages);
                int length = random.Next(1, Math.Min(3, pages - first) * 4096 + 1);
                using MappedRange mapped = await file.MapAsync(first * 4096L, length);
                byte[] data = Data(length, dataSeed);
                data.CopyTo(mapped.Memory);
                mapped.MarkDirty();
                Apply(model, first * 4096, data);
                break;
            }
            case 3:
            {
                int offset = random.Next(FileSpan / logicalBlock) * logicalBlock, length = random.Next(1, 8192 / logicalBlock + 1) * logicalBlock;
                byte[] data = Data(length, dataSeed);
                await WriteAsync(file, offset, data);
                Apply(model, offset, data);
                break;
            }
            case 4:
            {
                int length = random.Next(FileSpan);
                await file.SetLengthAsync(length);
                if (length < model.Count)
                {
                    model.RemoveRange(length, model.Count - length);
                }
                Grow(model, length);
                break;
            }
            default:
            {
                int offset = random.Next(FileSpan), length = random.Next(1, FileSpan / 4);
                await file.PunchHoleAsync(offset, length);
                for (int k = offset; k < Math.Min(offset + length, model.Count); k++)
                {
                    model[k] = 0;
                }
                break;
            }
        }
    }

    private static void Apply(List<byte> model, int offset, byte[] data)
    {
        Grow(model, offset + data.Length);
        for (int k = 0; k < data.Length; k++)
        {
            model[offset + k] = data[k];
        }
    }
}
