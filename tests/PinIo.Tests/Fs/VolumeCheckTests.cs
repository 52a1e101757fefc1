using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs;

/// <summary>Check() finds nothing on a consistent volume and finds what is planted: each check can fail.</summary>
public sealed class VolumeCheckTests : PinBalancedTest
{
    private static async Task<Volume> WorkedVolumeAsync(RamDisk disk)
    {
        Volume volume = Volume.Format(disk);
        using (VolumeFile a = volume.Create("a"))
        {
            await WriteAsync(a, 0, Data(16384, 1));
        }
        using (VolumeFile b = volume.Create("b"))
        {
            await WriteAsync(b, 0, Data(8192, 2));
            await b.AllocateAsync(8192, 8192);
        }
        return volume;
    }

    [Fact]
    public async Task AConsistentVolume_HasNoFindings()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = await WorkedVolumeAsync(disk);
        Assert.Empty(volume.Check());
    }

    [Fact]
    public async Task ABlockOwnedTwice_IsFound()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = await WorkedVolumeAsync(disk);
        using VolumeFile a = volume.Open("a");
        using VolumeFile b = volume.Open("b");
        Extent shared = a.Inode.Map.Extents[0];
        b.Inode.Map.Insert(new Extent(100, shared.DeviceBlock + 1, 1, Unwritten: true));
        IReadOnlyList<string> findings = volume.Check();
        Assert.Contains(findings, f => f.Contains("owned twice", StringComparison.Ordinal) && f.Contains("\"a\"", StringComparison.Ordinal) && f.Contains("\"b\"", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("free space is", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABlockBothFreeAndOwned_AndAnExtentOutsideTheDevice_AreFound()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = await WorkedVolumeAsync(disk);
        using VolumeFile a = volume.Open("a");
        Extent e = a.Inode.Map.Extents[0];
        volume.Metadata.FreeSpace.Free(e.DeviceBlock, 1);
        a.Inode.Map.Insert(new Extent(1000, volume.Metadata.Superblock.TotalBlocks - 1, 2, Unwritten: true));
        IReadOnlyList<string> findings = volume.Check();
        Assert.Contains(findings, f => f.Contains("owned twice", StringComparison.Ordinal) && f.Contains("free space", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("not inside the data blocks", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrittenBlocksPastTheSize_AreFound()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = await WorkedVolumeAsync(disk);
        using VolumeFile a = volume.Open("a");
        a.Inode.Size = 4096;
        Assert.Contains(volume.Check(), f => f.Contains("past its size", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABadChecksumInTheLog_IsFound()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = await WorkedVolumeAsync(disk);
        Assert.Empty(volume.Check());
        Superblock sb = volume.Journal.Superblock;
        long area = sb.LogAreaStart(sb.ActiveArea) * sb.BlockSize;
        byte[] one = new byte[1];
        disk.ReadRaw(area + 44, one);
        one[0] ^= 1;
        disk.WriteRaw(area + 44, one);
        IReadOnlyList<string> findings = volume.Check();
        Assert.Contains(findings, f => f.Contains("checksum mismatch", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("not in the log on the device", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABadSuperblockChecksum_IsFound()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = await WorkedVolumeAsync(disk);
        disk.WriteRaw(20, new byte[] { 0x77 });
        Assert.Contains(volume.Check(), f => f.Contains("superblock copy 0: checksum mismatch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_WhileWritersChangeTheVolume_FindsNothing()
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using Volume volume = Volume.Format(disk);
        using var stop = new CancellationTokenSource();
        Task[] writers = [.. Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            using VolumeFile file = volume.Create($"w{t}");
            for (int i = 0; !stop.IsCancellationRequested && i < 400; i++)
            {
                await WriteAsync(file, (i % 64) * 4096L, Data(4096, i));
                if (i % 16 == 15)
                {
                    await file.SetLengthAsync(4096 * (i % 7));
                }
            }
        }))];
        for (int round = 0; round < 5; round++)
        {
            IReadOnlyList<string> findings = volume.Check();
            Assert.True(findings.Count == 0, string.Join("; ", findings));
        }
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        AssertConsistent(volume);
    }
}
