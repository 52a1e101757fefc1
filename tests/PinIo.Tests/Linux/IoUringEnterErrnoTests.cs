using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PinIo.Tests.Linux;

/// <summary>
/// io_uring_enter's wrapper reads errno itself, only when syscall(2) returns -1 (no
/// SetLastError stub): a failure still comes back as its own -errno, and a success after a
/// failure is not mistaken for one.
/// </summary>
public sealed unsafe class IoUringEnterErrnoTests : PinBalancedTest
{
    [Fact]
    public void Enter_OnABadDescriptor_ReturnsMinusEBADF()
    {
        int res = Interop.IoUringEnter(-1, 0, 0, 0, null, 0);

        Assert.Equal(-(int)Errno.EBADF, res);
    }

    [Fact]
    public void Enter_OnADescriptorThatIsNotARing_ReturnsMinusEOPNOTSUPP()
    {
        using var dir = new TempDirectory();
        using FileDescriptor file = FileDescriptor.Open(dir.File("not-a-ring"), Interop.O_RDWR | Interop.O_CREAT);

        int res = Interop.IoUringEnter(file.DangerousFd, 0, 0, 0, null, 0);

        Assert.Equal(-(int)Errno.EOPNOTSUPP, res);
    }

    [SkippableFact]
    public void Enter_ThatSucceedsAfterAFailure_ReturnsItsOwnResult()
    {
        using IoUringRing ring = Rings.Create(8);
        Assert.Equal(-(int)Errno.EBADF, Interop.IoUringEnter(-1, 0, 0, 0, null, 0));

        Assert.Equal(0, ring.Submit());
    }
}
