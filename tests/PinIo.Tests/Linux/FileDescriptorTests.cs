using PinIo.Linux;
using Xunit;

namespace PinIo.Tests.Linux;

public sealed class FileDescriptorTests
{
    public static TheoryData<string> DirectIoDirectories => new() { Path.GetTempPath(), "/dev/shm" };

    [Theory]
    [MemberData(nameof(DirectIoDirectories))]
    public void Open_WithODirect_SucceedsOnRootFsAndTmpfs(string parent)
    {
        using var dir = new TempDirectory(parent);
        string path = dir.File("direct.bin");

        using FileDescriptor fd = FileDescriptor.Open(path, Interop.O_RDWR | Interop.O_CREAT | Interop.O_DIRECT);

        Assert.False(fd.IsInvalid);
        Assert.True(fd.DangerousFd >= 0);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Open_MissingPath_ThrowsENOENTThatNamesThePath()
    {
        using var dir = new TempDirectory();
        string path = dir.File("missing.bin");

        var e = Assert.Throws<DirectIoException>(() => FileDescriptor.Open(path, Interop.O_RDONLY | Interop.O_DIRECT));

        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains($"'{path}' does not exist: check the path", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_ExistingPathWithOExcl_ThrowsEEXIST()
    {
        using var dir = new TempDirectory();
        string path = dir.File("exists.bin");
        File.WriteAllBytes(path, []);

        var e = Assert.Throws<DirectIoException>(() =>
            FileDescriptor.Open(path, Interop.O_RDWR | Interop.O_CREAT | Interop.O_EXCL));

        Assert.Equal(Errno.EEXIST, e.Errno);
        Assert.Contains("O_EXCL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_DirectoryForWriting_ThrowsEISDIR()
    {
        using var dir = new TempDirectory();

        var e = Assert.Throws<DirectIoException>(() => FileDescriptor.Open(dir.Path, Interop.O_RDWR));

        Assert.Equal(Errno.EISDIR, e.Errno);
    }

    [Fact]
    public void Open_ODirectOnAFileSystemThatRefusesIt_ThrowsEOPNOTSUPPWithAdvice()
    {
        // procfs has no direct I/O: do_dentry_open fails O_DIRECT with EINVAL.
        var e = Assert.Throws<DirectIoException>(() => FileDescriptor.Open("/proc/vmstat", Interop.O_RDONLY | Interop.O_DIRECT));

        Assert.Equal(Errno.EOPNOTSUPP, e.Errno);
        Assert.Contains("refuses O_DIRECT", e.Message, StringComparison.Ordinal);
        Assert.Contains("open without O_DIRECT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryOpen_MissingPath_ReturnsMinusENOENTAndNoDescriptor()
    {
        int res = FileDescriptor.TryOpen("/nonexistent/pinio", Interop.O_RDONLY, 0, out FileDescriptor? fd);

        Assert.Equal(-(int)Errno.ENOENT, res);
        Assert.Null(fd);
    }

    [Fact]
    public void Dispose_ClosesOnceAndLeavesTheHandleClosed()
    {
        using var dir = new TempDirectory();
        var fd = FileDescriptor.Open(dir.File("a.bin"), Interop.O_RDWR | Interop.O_CREAT);

        fd.Dispose();
        fd.Dispose();

        Assert.True(fd.IsClosed);
    }

    [Fact]
    public void DefaultDescriptor_IsInvalid()
    {
        using var fd = new FileDescriptor();

        Assert.True(fd.IsInvalid);
    }
}
