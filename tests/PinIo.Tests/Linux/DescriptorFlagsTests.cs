using PinIo.Linux;
using PinIo.Tests.Infrastructure;
using Xunit;

namespace PinIo.Tests.Linux;

/// <summary>O_DIRECT turned on after open, as ioengine=dotnet needs for a handle .NET opened.</summary>
public sealed class DescriptorFlagsTests : PinBalancedTest
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void TrySetDirect_TurnsODirectOnAndTheKernelKeepsIt()
    {
        int fd = Interop.Open(_dir.File("f"), Interop.O_RDWR | Interop.O_CREAT | Interop.O_CLOEXEC, Interop.DefaultCreateMode);
        Assert.True(fd >= 0, $"open failed: {(Errno)(-fd)}");
        try
        {
            Assert.Equal(0, Interop.Fcntl(fd, Interop.F_GETFL, 0) & Interop.O_DIRECT);

            Assert.Equal(0, DescriptorFlags.TrySetDirect(fd, out bool direct));

            Assert.True(direct);
            Assert.NotEqual(0, Interop.Fcntl(fd, Interop.F_GETFL, 0) & Interop.O_DIRECT);
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    [Fact]
    public void TrySetDirect_OnAClosedDescriptor_ReturnsEbadf()
    {
        int fd = Interop.Open(_dir.File("g"), Interop.O_RDWR | Interop.O_CREAT | Interop.O_CLOEXEC, Interop.DefaultCreateMode);
        Interop.Close(fd);

        Assert.Equal(-(int)Errno.EBADF, DescriptorFlags.TrySetDirect(fd, out bool direct));
        Assert.False(direct);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _dir.Dispose();
        }
        base.Dispose(disposing);
    }
}
