using PinIo.Linux;
using Xunit;

namespace PinIo.Tests.Linux;

public sealed class ErrorsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(4096)]
    public void Check_ReturnsANonNegativeResult(int result) =>
        Assert.Equal(result, Errors.Check(result, "preadv2", "/x"));

    [Fact]
    public void Check_NegativeResult_ThrowsDirectIoExceptionWithThatErrno()
    {
        var e = Assert.Throws<DirectIoException>(() => Errors.Check(-(int)Errno.EIO, "preadv2", "/x"));

        Assert.Equal(Errno.EIO, e.Errno);
        Assert.Equal(-(int)Errno.EIO, e.HResult);
        Assert.Contains("preadv2 on '/x'", e.Message, StringComparison.Ordinal);
        Assert.Contains("dmesg", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Errno.ENOENT, "'/x' does not exist: check the path")]
    [InlineData(Errno.ENOSPC, "no space left on the device under '/x'")]
    [InlineData(Errno.EINVAL, "STATX_DIOALIGN")]
    [InlineData(Errno.ENOTBLK, "'/x' is not a block device")]
    [InlineData(Errno.EROFS, "read-only")]
    public void Create_SaysWhatToChange(Errno errno, string expected)
    {
        DirectIoException e = Errors.Create(errno, "pwritev2", "/x");

        Assert.Equal(errno, e.Errno);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_UnknownErrno_StillNamesTheCallAndTheErrno()
    {
        DirectIoException e = Errors.Create((Errno)200, "fallocate", "/x");

        Assert.Contains("fallocate on '/x' failed", e.Message, StringComparison.Ordinal);
        Assert.Contains("200", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Errno.EROFS)]
    [InlineData(Errno.EACCES)]
    public void CreateOpen_ForWritingOnAReadOnlyTarget_SaysOpenedForWriting(Errno errno)
    {
        DirectIoException e = Errors.CreateOpen(errno, "/x", Interop.O_RDWR | Interop.O_DIRECT);

        Assert.Equal(errno, e.Errno);
        Assert.Contains("'/x' was opened for writing", e.Message, StringComparison.Ordinal);
        Assert.Contains("open it read-only", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateOpen_EinvalWithODirect_IsTheFileSystemRefusingODirect()
    {
        DirectIoException e = Errors.CreateOpen(Errno.EINVAL, "/x", Interop.O_RDONLY | Interop.O_DIRECT);

        Assert.Equal(Errno.EOPNOTSUPP, e.Errno);
        Assert.Contains("the file system under '/x' refuses O_DIRECT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateOpen_EinvalWithoutODirect_StaysEinval()
    {
        DirectIoException e = Errors.CreateOpen(Errno.EINVAL, "/x", Interop.O_RDONLY);

        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Theory]
    [InlineData(Errno.ENOSYS, "not available")]
    [InlineData(Errno.EPERM, "kernel.io_uring_disabled")]
    public void CreateIoUringSetup_UnavailableOrDisabled_PointsAtTheSyncEngine(Errno errno, string expected)
    {
        DirectIoException e = Errors.CreateIoUringSetup(errno, 64, 0);

        Assert.Equal(errno, e.Errno);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains("Sync engine", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateIoUringSetup_SqpollRefusedWithEperm_NamesTheOptionAndThePrivilege()
    {
        DirectIoException e = Errors.CreateIoUringSetup(Errno.EPERM, 64, Interop.IORING_SETUP_SQPOLL | Interop.IORING_SETUP_SINGLE_ISSUER);

        Assert.Equal(Errno.EPERM, e.Errno);
        Assert.Contains("CAP_SYS_ADMIN", e.Message, StringComparison.Ordinal);
        Assert.Contains("turn SubmissionPolling off", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Errno.ENOSYS)]
    [InlineData(Errno.EPERM)]
    public void CreateIoUringSetup_IopollWithoutIoUring_SaysToTurnPollingOff(Errno errno)
    {
        DirectIoException e = Errors.CreateIoUringSetup(errno, 64, Interop.IORING_SETUP_IOPOLL);

        Assert.Equal(errno, e.Errno);
        Assert.Contains("turn them off", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateIoUringSetup_SqAffRefused_PointsAtTheCpu()
    {
        DirectIoException e = Errors.CreateIoUringSetup(Errno.EINVAL, 64, Interop.IORING_SETUP_SQPOLL | Interop.IORING_SETUP_SQ_AFF);

        Assert.Contains("SubmissionPollCpu", e.Message, StringComparison.Ordinal);
    }
}
