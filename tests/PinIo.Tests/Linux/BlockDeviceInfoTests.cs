using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Linux;

public sealed class BlockDeviceInfoTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _sysfs = new();

    public void Dispose() => _sysfs.Dispose();

    /// <summary>
    /// A miniature sysfs: /sys/dev/block/8:0 and 8:1 are links into devices/.../sda and
    /// sda/sda1, as on a real system; only the disk has a queue directory.
    /// </summary>
    private void BuildFakeSysfs(bool withDmaAlignment = true)
    {
        string disk = Path.Combine(_sysfs.Path, "devices", "pci0000:00", "block", "sda");
        string queue = Path.Combine(disk, "queue");
        string partition = Path.Combine(disk, "sda1");
        Directory.CreateDirectory(queue);
        Directory.CreateDirectory(partition);
        File.WriteAllText(Path.Combine(partition, "partition"), "1\n");
        File.WriteAllText(Path.Combine(queue, "logical_block_size"), "512\n");
        File.WriteAllText(Path.Combine(queue, "physical_block_size"), "4096\n");
        File.WriteAllText(Path.Combine(queue, "max_sectors_kb"), "1280\n");
        File.WriteAllText(Path.Combine(queue, "max_segments"), "128\n");
        File.WriteAllText(Path.Combine(queue, "max_segment_size"), "4294967295\n");
        if (withDmaAlignment)
        {
            File.WriteAllText(Path.Combine(queue, "dma_alignment"), "511\n");
        }

        string links = Path.Combine(_sysfs.Path, "dev", "block");
        Directory.CreateDirectory(links);
        Directory.CreateSymbolicLink(Path.Combine(links, "8:0"), "../../devices/pci0000:00/block/sda");
        Directory.CreateSymbolicLink(Path.Combine(links, "8:1"), "../../devices/pci0000:00/block/sda/sda1");
    }

    [Fact]
    public void ReadQueue_WholeDisk_ReadsEveryLimit()
    {
        BuildFakeSysfs();

        BlockQueueInfo q = BlockQueueInfo.Read(8, 0, _sysfs.Path);

        Assert.Equal(new BlockQueueInfo(512, 4096, 1280, 128, int.MaxValue, 511), q);
    }

    [Fact]
    public void ReadQueue_ReadsTheDiscardLimits_WhereTheQueueHasThem()
    {
        BuildFakeSysfs();
        string queue = Path.Combine(_sysfs.Path, "devices", "pci0000:00", "block", "sda", "queue");
        Assert.Null(BlockQueueInfo.Read(8, 0, _sysfs.Path).DiscardMaxBytes);
        File.WriteAllText(Path.Combine(queue, "discard_max_bytes"), "4294966784\n");
        File.WriteAllText(Path.Combine(queue, "discard_granularity"), "4096\n");

        BlockQueueInfo q = BlockQueueInfo.Read(8, 0, _sysfs.Path);

        // A loop device's 4 GiB - 512 does not fit an int: it reads as the largest one.
        Assert.Equal(int.MaxValue, q.DiscardMaxBytes);
        Assert.Equal(4096, q.DiscardGranularity);
    }

    [Fact]
    public void ReadQueue_Partition_ReadsTheParentDisksQueue()
    {
        BuildFakeSysfs();

        BlockQueueInfo q = BlockQueueInfo.Read(8, 1, _sysfs.Path);

        Assert.Equal(512, q.LogicalBlockSize);
        Assert.Equal(4096, q.PhysicalBlockSize);
        Assert.Equal(511, q.DmaAlignment);
    }

    [Fact]
    public void ReadQueue_MissingFile_LeavesThatFieldNull()
    {
        BuildFakeSysfs(withDmaAlignment: false);

        BlockQueueInfo q = BlockQueueInfo.Read(8, 0, _sysfs.Path);

        Assert.Null(q.DmaAlignment);
        Assert.Equal(128, q.MaxSegments);
    }

    [Fact]
    public void ReadQueue_UnknownDevice_IsAllNull()
    {
        BuildFakeSysfs();

        Assert.Equal(BlockQueueInfo.Empty, BlockQueueInfo.Read(259, 7, _sysfs.Path));
    }

    [SkippableFact]
    public void Query_ARealBlockDevice_AgreesWithSysfs()
    {
        BlockDeviceInfo info = Requires.Available(QueryFirstOpenable(out string? node), "no block device in /dev that this process may open");

        output.WriteLine($"{node}: {info}");
        Assert.True(info.LogicalBlockSize >= 512);
        Assert.True(info.PhysicalBlockSize >= info.LogicalBlockSize);
        Assert.Equal(info.LogicalBlockSize, info.Queue.LogicalBlockSize);
        Assert.Equal(info.PhysicalBlockSize, info.Queue.PhysicalBlockSize);
        Assert.NotNull(info.Queue.MaxSectorsKb);
        Assert.NotNull(info.Queue.MaxSegments);
        string sizeFile = $"/sys/dev/block/{info.Major}:{info.Minor}/size"; // in 512-byte sectors
        if (File.Exists(sizeFile))
        {
            long sectors = long.Parse(File.ReadAllText(sizeFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(sectors * 512, info.SizeBytes);
        }
    }

    /// <summary>
    /// The disk under the root file system when this process may open it; otherwise any
    /// block device it may (a container's device policy often allows only loop or zram).
    /// </summary>
    private BlockDeviceInfo? QueryFirstOpenable(out string? node)
    {
        string?[] candidates = [BlockDevices.FindNodeHolding("/"), .. BlockDevices.FindAllNodes()];
        foreach (string? candidate in candidates)
        {
            if (candidate is null)
            {
                continue;
            }

            try
            {
                node = candidate;
                return BlockDeviceInfo.Query(candidate);
            }
            catch (DirectIoException e) when (e.Errno is Errno.EPERM or Errno.EACCES or Errno.ENXIO or Errno.ENODEV)
            {
                output.WriteLine($"{candidate}: {e.Message}");
            }
        }

        node = null;
        return null;
    }

    [Fact]
    public void BlockIoctls_OnARegularFile_ReturnMinusENOTTY()
    {
        string path = _sysfs.File("plain.bin");
        File.WriteAllBytes(path, new byte[16]);
        using FileDescriptor fd = FileDescriptor.Open(path, Interop.O_RDONLY);

        Assert.Equal(-(int)Errno.ENOTTY, Interop.IoctlGetInt(fd, Interop.BLKSSZGET, out _));
        Assert.Equal(-(int)Errno.ENOTTY, Interop.IoctlGetUInt64(fd, Interop.BLKGETSIZE64, out _));
    }

    [Fact]
    public void Query_RegularFile_ThrowsENOTBLK()
    {
        string path = _sysfs.File("plain.bin");
        File.WriteAllBytes(path, new byte[16]);

        var e = Assert.Throws<DirectIoException>(() => BlockDeviceInfo.Query(path));

        Assert.Equal(Errno.ENOTBLK, e.Errno);
        Assert.Contains("is not a block device", e.Message, StringComparison.Ordinal);
    }
}
