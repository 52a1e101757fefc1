using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Linux;

public sealed class StatxTests
{
    [Fact]
    public void RegularFileOnRootFs_ReportsSizeAndNonzeroDioAlignments()
    {
        using var dir = new TempDirectory();
        string path = dir.File("f.bin");
        File.WriteAllBytes(path, new byte[12345]);

        StatxInfo info = StatxInfo.Get(path);

        Assert.True(info.IsRegularFile);
        Assert.False(info.IsBlockDevice);
        Assert.Equal(12345, info.Size);
        Assert.True(info.BlockSize > 0);
        Assert.True(info.HasDioAlign, "ext4/xfs/btrfs report STATX_DIOALIGN since Linux 6.1");
        Assert.True(info.DioMemAlign > 0);
        Assert.True(info.DioOffsetAlign > 0);
        Assert.Equal(0, info.DioOffsetAlign & (info.DioOffsetAlign - 1));
    }

    [Fact]
    public void ByDescriptor_MatchesByPath()
    {
        using var dir = new TempDirectory();
        string path = dir.File("f.bin");
        File.WriteAllBytes(path, new byte[8192]);
        using FileDescriptor fd = FileDescriptor.Open(path, Interop.O_RDONLY | Interop.O_DIRECT);

        StatxInfo byFd = StatxInfo.Get(fd, path);
        StatxInfo byPath = StatxInfo.Get(path);

        Assert.Equal(byPath.Size, byFd.Size);
        Assert.Equal(byPath.DioMemAlign, byFd.DioMemAlign);
        Assert.Equal(byPath.DioOffsetAlign, byFd.DioOffsetAlign);
        Assert.Equal(byPath.DevMajor, byFd.DevMajor);
    }

    [Fact]
    public void Tmpfs_WithoutStatxDioAlign_ReportsZeroAlignments()
    {
        using var dir = new TempDirectory("/dev/shm");
        string path = dir.File("f.bin");
        File.WriteAllBytes(path, new byte[100]);

        StatxInfo info = StatxInfo.Get(path);

        Assert.True(info.IsRegularFile);
        if (!info.HasDioAlign)
        {
            Assert.Equal(0, info.DioMemAlign);
            Assert.Equal(0, info.DioOffsetAlign);
        }
    }

    [Fact]
    public void From_IgnoresAlignmentFieldsWhoseMaskBitIsClear()
    {
        Statx s = default;
        s.Mask = Interop.STATX_BASIC_STATS;
        s.DioMemAlign = 512;
        s.DioOffsetAlign = 512;
        s.DioReadOffsetAlign = 512;

        StatxInfo info = StatxInfo.From(in s);

        Assert.Equal(0, info.DioMemAlign);
        Assert.Equal(0, info.DioOffsetAlign);
        Assert.Equal(0, info.DioReadOffsetAlign);
    }

    [SkippableFact]
    public void BlockDeviceNode_IsBlockDeviceWithItsRdev()
    {
        string node = Requires.Available(BlockDevices.FindNode(7, 0) ?? BlockDevices.FindAnyNode(), "no block device node in /dev here");

        StatxInfo info = StatxInfo.Get(node);

        Assert.True(info.IsBlockDevice);
        Assert.False(info.IsRegularFile);
    }

    [Fact]
    public void MissingPath_TryGetReturnsMinusENOENT_AndGetThrowsIt()
    {
        Assert.Equal(-(int)Errno.ENOENT, StatxInfo.TryGet("/nonexistent/pinio", out _));
        var e = Assert.Throws<DirectIoException>(() => StatxInfo.Get("/nonexistent/pinio"));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("'/nonexistent/pinio' does not exist", e.Message, StringComparison.Ordinal);
    }
}
