using PinIo.Devices;
using PinIo.Fs;
using PinIo.Tests.Infrastructure;
using Xunit;
using static PinIo.Tests.Fs.VolumeTesting;

namespace PinIo.Tests.Fs;

/// <summary>Format, Mount and the flat namespace: names, their limits and their errors.</summary>
public sealed class VolumeNamespaceTests : PinBalancedTest
{
    [Fact]
    public async Task Format_ThenMount_KeepsFilesSizesAndGeometry()
    {
        using RamDisk disk = StaleDisk();
        long total, free;
        using (Volume volume = Volume.Format(disk))
        {
            Assert.Equal(4096, volume.BlockSize);
            total = volume.TotalBytes;
            Assert.Equal(total, volume.FreeBytes);
            using (VolumeFile a = volume.Create("a"))
            {
                await a.SetLengthAsync(12345);
            }
            volume.Create("b").Dispose();
            volume.Create("ünïcødé ✓").Dispose();
            free = volume.FreeBytes;
        }
        using Volume again = Volume.Mount(disk);
        Assert.Equal(["a", "b", "ünïcødé ✓"], again.Files);
        using VolumeFile reopened = again.Open("a");
        Assert.Equal(12345, reopened.Length);
        Assert.Equal(total, again.TotalBytes);
        Assert.Equal(free, again.FreeBytes);
        AssertConsistent(again);
    }

    [Fact]
    public void LargerBlocks_AreKept()
    {
        using RamDisk disk = StaleDisk(8 << 20);
        using (Volume.Format(disk, new VolumeOptions { BlockSize = 16384 }))
        {
        }
        using Volume volume = Volume.Mount(disk);
        Assert.Equal(16384, volume.BlockSize);
        AssertConsistent(volume);
    }

    [Fact]
    public void NamespaceErrors_CarryTheirErrno()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk);
        volume.Create("x").Dispose();
        Assert.Equal(Errno.EEXIST, Assert.Throws<DirectIoException>(() => volume.Create("x")).Errno);
        Assert.Equal(Errno.ENOENT, Assert.Throws<DirectIoException>(() => volume.Open("missing")).Errno);
        Assert.Equal(Errno.ENOENT, Assert.Throws<DirectIoException>(() => volume.Delete("missing")).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<DirectIoException>(() => volume.Create("")).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<DirectIoException>(() => volume.Create("a\0b")).Errno);
        Assert.False(volume.Exists("missing"));
        Assert.True(volume.Exists("x"));
    }

    [Fact]
    public void Names_AreUtf8OfAtMost255Bytes()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk);
        string longest = new string('é', 127) + "z"; // 255 bytes of UTF-8
        volume.Create(longest).Dispose();
        DirectIoException e = Assert.Throws<DirectIoException>(() => volume.Create(new string('é', 128)));
        Assert.Equal(Errno.ENAMETOOLONG, e.Errno);
        Assert.Contains("255", e.Message, StringComparison.Ordinal);
        Assert.Equal(Errno.EINVAL, Assert.Throws<DirectIoException>(() => volume.Create("\ud800")).Errno);
        volume.Dispose();
        using Volume again = Volume.Mount(disk);
        Assert.True(again.Exists(longest));
    }

    [Fact]
    public void Delete_RefusesAnOpenFile_AndFreesTheNameOtherwise()
    {
        using RamDisk disk = StaleDisk();
        using Volume volume = Volume.Format(disk);
        VolumeFile open = volume.Create("f");
        Assert.Equal(Errno.EBUSY, Assert.Throws<DirectIoException>(() => volume.Delete("f")).Errno);
        open.Dispose();
        volume.Delete("f");
        Assert.False(volume.Exists("f"));
        volume.Create("f").Dispose();
        Assert.Equal(["f"], volume.Files);
        AssertConsistent(volume);
    }

    [Fact]
    public void Format_RefusesBadBlockSizesAndTinyDevices_Mount_RefusesAnUnformattedDevice()
    {
        using RamDisk disk = StaleDisk();
        Assert.Equal(Errno.EINVAL, Assert.Throws<DirectIoException>(() => Volume.Format(disk, new VolumeOptions { BlockSize = 6000 })).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<DirectIoException>(() => Volume.Format(disk, new VolumeOptions { BlockSize = 2048 })).Errno);
        Assert.Equal(Errno.EINVAL, Assert.Throws<DirectIoException>(() => Volume.Mount(disk)).Errno);
        using RamDisk tiny = StaleDisk(128 * 1024);
        Assert.Equal(Errno.ENOSPC, Assert.Throws<DirectIoException>(() => Volume.Format(tiny)).Errno);
    }

    [Fact]
    public void Mount_OnAReformattedDevice_ReplaysNothingOfTheOldVolume()
    {
        using RamDisk disk = StaleDisk();
        using (Volume old = Volume.Format(disk))
        {
            old.Create("old").Dispose();
        }
        using (Volume.Format(disk))
        {
        }
        using Volume volume = Volume.Mount(disk);
        Assert.Empty(volume.Files);
        AssertConsistent(volume);
    }
}
