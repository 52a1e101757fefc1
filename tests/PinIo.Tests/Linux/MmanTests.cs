using PinIo.Linux;
using Xunit;

namespace PinIo.Tests.Linux;

public sealed unsafe class MmanTests
{
    [Fact]
    public void AnonymousMapping_IsWritable_TakesAdvice_AndUnmaps()
    {
        const nuint Length = 4 * 4096;
        int res = Interop.Mmap(Length, Interop.PROT_READ | Interop.PROT_WRITE,
            Interop.MAP_PRIVATE | Interop.MAP_ANONYMOUS, -1, 0, out void* address);
        Assert.Equal(0, res);
        Assert.Equal(0, (nint)address % 4096);

        new Span<byte>(address, (int)Length).Fill(0xA5);
        Assert.Equal(0, Interop.Madvise(address, Length, Interop.MADV_DONTFORK));
        Assert.Equal(0, Interop.Munmap(address, Length));
    }

    [Fact]
    public void Mmap_OfABadDescriptor_ReturnsMinusEBADFAndNull()
    {
        int res = Interop.Mmap(4096, Interop.PROT_READ, Interop.MAP_SHARED, int.MaxValue, 0, out void* address);

        Assert.Equal(-(int)Errno.EBADF, res);
        Assert.True(address == null);
    }

    [Fact]
    public void Madvise_OfAMisalignedAddress_ReturnsMinusEINVAL()
    {
        Assert.Equal(-(int)Errno.EINVAL, Interop.Madvise((void*)1, 4096, Interop.MADV_NORMAL));
    }
}
