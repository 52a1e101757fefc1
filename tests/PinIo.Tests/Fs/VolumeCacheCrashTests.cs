using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs;

/// <summary>
/// Power cuts with a page cache (issue 10, item 6): the workload mixes buffered writes at any
/// byte, writes through mapped ranges, Direct writes, truncates and punches, with buffered and
/// Direct reads checked against the model on the way; the power goes at a random bio (inside
/// a writeback, a commit, a Direct write). The surviving image mounts, Check finds nothing,
/// every file untouched since its last flush reads back exactly what it held then (buffered
/// data is durable at the flush, not before), and no byte of the device's earlier contents
/// shows anywhere.
/// </summary>
public sealed class VolumeCacheCrashTests : PinBalancedTest
{
    private const int Files = 3;
    private const int FileSpan = 64 * 1024;

    [Theory]
    [InlineData(0, 512, DirectIoPath.Iomap)]
    [InlineData(1000, 512, DirectIoPath.Legacy)]
    [InlineData(2000, 4096, DirectIoPath.Iomap)]
    [InlineData(3000, 4096, DirectIoPath.Legacy)]
    public async Task AfterAPowerCut_BufferedAndMappedWritesFlushedBeforeIt_ReadBack_AndNothingStaleShows(int firstSeed, int logicalBlock, DirectIoPath path)
    {
        int cutsInWriteback = 0;
        for (int seed = firstSeed; seed < firstSeed + 30; seed++)
        {
            // No background flusher: what reaches the device before a flush is decided by the workload alone, so a seed replays.
            cutsInWriteback += await RunOneAsync(seed, logicalBlock, new VolumeOptions { DirectIoPath = path, WritebackInterval = Timeout.InfiniteTimeSpan, PageCacheBytes = 1 << 20 }) ? 1 : 0;
        }
        Assert.True(cutsInWriteback > 0, "no cut fell inside a flush: the test did not cut a writeback");
    }

    /// <summary>One seed; true when the cut hit while a flush (writeback and commit) was in flight.</summary>
    private static async Task<bool> RunOneAsync(int seed, int logicalBlock, VolumeOptions options)
    {
        var random = new Random(seed);
        using RamDisk disk = StaleDisk(2 << 20, logicalBlock);
        using var fault = new FaultDevice(disk, new FaultOptions { Seed = (ulong)seed + 1, PowerCut = new PowerCutOptions { EarlyWriteBack = 0.2 } }, leaveInnerOpen: true);
        var cutter = new CutAtBio(fault, cutAt: random.Next(10, 300));
        var models = new List<byte>[Files];
        var flushed = new byte[Files][];
        var touched = new bool[Files];
        bool inFlush = false;
        Volume volume = Volume.Format(cutter, options);
        try
        {
            var files = new VolumeFile[Files];
            for (int i = 0; i < Files; i++)
            {
                files[i] = volume.Create($"f{i}");
                models[i] = [];
            }
            await volume.SyncAsync();
            SnapshotModels(models, flushed, touched);
            for (int op = 0; op < 100 && !cutter.Dead; op++)
            {
                int f = random.Next(Files);
                int pick = random.Next(10);
                if (pick < 2)
                {
                    inFlush = true;
                    if (pick == 0)
                    {
                        // fsync of one file: the others' cached pages stay in the cache, not yet durable.
                        await files[f].FlushAsync();
                        inFlush = false;
                        flushed[f] = [.. models[f]];
                        touched[f] = false;
                        continue;
                    }
                    await volume.SyncAsync();
                    inFlush = false;
                    SnapshotModels(models, flushed, touched);
                    continue;
                }
                if (pick < 4)
                {
                    await CheckReadAsync(random, files[f], models[f], seed, op, cutter);
                    continue;
                }
                touched[f] = true;
                await RandomChangeAsync(random, files[f], models[f], (seed * 1000) + op, logicalBlock);
            }
            foreach (VolumeFile file in files)
            {
                file.Dispose();
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

        using Volume mounted = Volume.Mount(disk, options);
        IReadOnlyList<string> findings = mounted.Check();
        Assert.True(findings.Count == 0, $"seed {seed}: Check found: {string.Join("; ", findings)}");
        for (int i = 0; i < Files; i++)
        {
            using VolumeFile file = mounted.Open($"f{i}");
            byte[] content = await ReadAllAsync(file);
            int stale = Array.IndexOf(content, Stale);
            Assert.True(stale < 0, $"seed {seed}: f{i} shows a stale device byte at {stale}");
            if (!touched[i])
            {
                Assert.True(flushed[i].AsSpan().SequenceEqual(content), $"seed {seed}: f{i} ({content.Length} bytes) is not what it held at its last flush ({flushed[i].Length} bytes), first difference at {flushed[i].AsSpan().CommonPrefixLength(content)}");
            }
            byte[] buffered = new byte[content.Length];
            int read = buffered.Length == 0 ? 0 : await file.ReadBufferedAsync(0, buffered);
            Assert.Equal(content.Length, read);
            Assert.True(content.AsSpan().SequenceEqual(buffered), $"seed {seed}: f{i} reads differently through the cache than with Direct I/O after the mount");
        }
        return inFlush && cutter.Dead;
    }

    /// <summary>Before the cut, what the file holds through the cache (buffered, or Direct after the write-back it forces) is the model.</summary>
    private static async Task CheckReadAsync(Random random, VolumeFile file, List<byte> model, int seed, int op, CutAtBio cutter)
    {
        if (model.Count == 0)
        {
            return;
        }
        byte[] expected = [.. model];
        byte[] found = random.Next(2) == 0 ? await ReadAllAsync(file) : await ReadAllBufferedAsync(file);
        if (cutter.Dead)
        {
            // The power went during the read: a short read is what a dying machine returns.
            return;
        }
        Assert.True(expected.AsSpan().SequenceEqual(found), $"seed {seed} op {op}: the file reads differently from the model (first difference at {expected.AsSpan().CommonPrefixLength(found)} of {expected.Length}/{found.Length})");
    }

    private static async Task<byte[]> ReadAllBufferedAsync(VolumeFile file)
    {
        byte[] content = new byte[file.Length];
        int read = await file.ReadBufferedAsync(0, content);
        return content[..read];
    }

    private static void SnapshotModels(List<byte>[] models, byte[][] flushed, bool[] touched)
    {
        for (int i = 0; i < models.Length; i++)
        {
            flushed[i] = [.. models[i]];
            touched[i] = false;
        }
    }

    /// <summary>A buffered write at any byte, a write through a mapped range, a Direct write, a truncate or a punch, applied to the model once the volume did it.</summary>
    private static async Task RandomChangeAsync(Random random, VolumeFile file, List<byte> model, int dataSeed, int logicalBlock)
    {
        switch (random.Next(6))
        {
            case 0 or 1:
            {
                long offset = random.Next(FileSpan);
                byte[] data = Data(random.Next(1, 12_000), dataSeed);
                await file.WriteBufferedAsync(offset, data);
                Put(model, offset, data);
                break;
            }
            case 2 when model.Count >= 4096:
            {
                long mapOffset = random.Next(model.Count / 4096) * 4096L;
                int length = random.Next(1, (int)Math.Min(model.Count - mapOffset, 16384) + 1);
                int from = random.Next(length);
                byte[] data = Data(length - from, dataSeed);
                using (MappedRange map = await file.MapAsync(mapOffset, length))
                {
                    data.CopyTo(map.Memory.Span[from..]);
                    map.MarkDirty();
                }
                Put(model, mapOffset + from, data);
                break;
            }
            case 3:
            {
                long offset = random.Next(FileSpan / logicalBlock) * (long)logicalBlock;
                byte[] data = Data(random.Next(1, (16384 / logicalBlock) + 1) * logicalBlock, dataSeed);
                await WriteAsync(file, offset, data);
                Put(model, offset, data);
                break;
            }
            case 4:
            {
                long length = random.Next(FileSpan);
                await file.SetLengthAsync(length);
                if (length < model.Count)
                {
                    model.RemoveRange((int)length, model.Count - (int)length);
                }
                Grow(model, length);
                break;
            }
            default:
            {
                long offset = random.Next(FileSpan), length = random.Next(1, FileSpan / 4);
                await file.PunchHoleAsync(offset, length);
                for (long k = offset; k < Math.Min(offset + length, model.Count); k++)
                {
                    model[(int)k] = 0;
                }
                break;
            }
        }
    }

    private static void Put(List<byte> model, long offset, byte[] data)
    {
        Grow(model, offset + data.Length);
        for (int k = 0; k < data.Length; k++)
        {
            model[(int)offset + k] = data[k];
        }
    }

    private static void Grow(List<byte> model, long length)
    {
        while (model.Count < length)
        {
            model.Add(0);
        }
    }

    /// <summary>The machine: at bio <c>cutAt</c> the power goes (the cache is cut) and every later bio fails, as a dead machine's would.</summary>
    private sealed class CutAtBio(FaultDevice fault, int cutAt) : IBlockDevice
    {
        private int _bios;

        public bool Dead { get; private set; }

        public QueueLimits Limits => fault.Limits;

        public long Capacity => fault.Capacity;

        public void Submit(Bio bio)
        {
            if (!Dead && Interlocked.Increment(ref _bios) == cutAt)
            {
                fault.Cut();
                Dead = true;
            }
            if (Dead)
            {
                bio.Complete(BlkStatus.IoError);
                return;
            }
            fault.Submit(bio);
        }

        public void Dispose()
        {
        }
    }
}
