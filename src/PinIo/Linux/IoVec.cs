// Follows include/uapi/linux/uio.h (struct iovec).
namespace PinIo.Linux;

/// <summary>
/// One segment of a scatter/gather list as preadv2, pwritev2, READV/WRITEV and
/// IORING_REGISTER_BUFFERS read it: 16 bytes, address then length.
/// </summary>
internal readonly struct IoVec
{
    public readonly nint Base;
    public readonly nuint Length;

    public IoVec(nint @base, nuint length)
    {
        Base = @base;
        Length = length;
    }
}
