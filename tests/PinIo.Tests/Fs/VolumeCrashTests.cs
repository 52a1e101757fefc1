using PinIo.Block;
using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs;

/// <summary>
/// Power cuts with <see cref="FaultDevice"/>'s volatile write cache, at a random bio of a random
/// workload (so also in the middle of a journal commit or a compaction): the surviving image
/// mounts, Check finds nothing, every file untouched since the last successful flush reads
/// back exactly what it held then, and no byte of the device's earlier contents shows anywhere.
/// </summary>
public sealed class VolumeCrashTests : PinBalancedTest
{
    private const int Files = 4;
    private const int FileSpan = 96 * 1024;

    [Theory]
    [InlineData(0, 512, DirectIoPath.Iomap)]
    [InlineData(1000, 512, DirectIoPath.Legacy)]
    [InlineData(2000, 4096, DirectIoPath.Iomap)]
    [InlineData(3000, 4096, DirectIoPath.Legacy)]
    public async Task AfterAPowerCutAtAnyBio_TheVolumeMounts_IsConsistent_KeepsWhatWasFlushed_ShowsNothingStale(int firstSeed, int logicalBlock, DirectIoPath path)
    {
        int cutsMidCommit = 0;
        for (int seed = firstSeed; seed < firstSeed + 40; seed++)
        {
            cutsMidCommit += await RunOneAsync(seed, logicalBlock, new VolumeOptions { DirectIoPath = path }) ? 1 : 0;
        }
        Assert.True(cutsMidCommit > 0, "no cut fell inside a journal commit: the test did not test torn commits");
    }

    /// <summary>One seed; true when the cut hit while a commit was in flight.</summary>
    private static async Task<bool> RunOneAsync(int seed, int logicalBlock, VolumeOptions options)
    {
        var random = new Random(seed);
        using RamDisk disk = StaleDisk(2 << 20, logicalBlock);
        using var fault = new FaultDevice(disk, new FaultOptions { Seed = (ulong)seed + 1, PowerCut = new PowerCutOptions { EarlyWriteBack = 0.2 } }, leaveInnerOpen: true);
        var cutter = new CutAtBio(fault, cutAt: random.Next(10, 250));
        var models = new List<byte>[Files];
        var flushed = new byte[Files][];
        var touched = new bool[Files];
        bool inCommit = false;
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
            for (int op = 0; op < 80 && !cutter.Dead; op++)
            {
                int f = random.Next(Files);
                if (random.Next(4) == 0)
                {
                    inCommit = true;
                    await files[f].FlushAsync();
                    inCommit = false;
                    SnapshotModels(models, flushed, touched);
                    continue;
                }
                touched[f] = true;
                await RandomChangeAsync(random, files[f], models[f], seed * 1000 + op, logicalBlock);
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
                Assert.True(flushed[i].AsSpan().SequenceEqual(content), $"seed {seed}: f{i} ({content.Length} bytes) is not what it held at its last flush ({flushed[i].Length} bytes)");
            }
        }
        return inCommit && cutter.Dead;
    }

    private static void SnapshotModels(List<byte>[] models, byte[][] flushed, bool[] touched)
    {
        for (int i = 0; i < models.Length; i++)
        {
            flushed[i] = [.. models[i]];
            touched[i] = false;
        }
    }

    /// <summary>A write, truncate, extend, punch or allocate, applied to the model once the volume did it.</summary>
    private static async Task RandomChangeAsync(Random random, VolumeFile file, List<byte> model, int dataSeed, int logicalBlock)
    {
        switch (random.Next(5))
        {
            case 0 or 1:
            {
                long offset = random.Next(FileSpan / logicalBlock) * (long)logicalBlock;
                int length = random.Next(1, 16384 / logicalBlock + 1) * logicalBlock;
                byte[] data = Data(length, dataSeed);
                await WriteAsync(file, offset, data);
                Grow(model, offset + length);
                for (int k = 0; k < length; k++)
                {
                    model[(int)offset + k] = data[k];
                }
                break;
            }
            case 2:
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
            case 3:
            {
                long offset = random.Next(FileSpan), length = random.Next(1, FileSpan / 4);
                await file.PunchHoleAsync(offset, length);
                for (long k = offset; k < Math.Min(offset + length, model.Count); k++)
                {
                    model[(int)k] = 0;
                }
                break;
            }
            default:
            {
                long offset = random.Next(FileSpan), length = random.Next(1, FileSpan / 4);
                await file.AllocateAsync(offset, length);
                Grow(model, offset + length);
                break;
            }
        }
    }
}
