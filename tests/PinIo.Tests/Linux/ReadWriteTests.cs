using PinIo.Linux;
using Xunit;

namespace PinIo.Tests.Linux;

public sealed class ReadWriteTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private FileDescriptor OpenDirect(string name = "data.bin") =>
        FileDescriptor.Open(_dir.File(name), Interop.O_RDWR | Interop.O_CREAT | Interop.O_DIRECT);

    [Fact]
    public void Pwritev2ThenPreadv2_WithODirectAndAlignedMemory_RoundTripsEveryByte()
    {
        using FileDescriptor fd = OpenDirect();
        using var source = new AlignedBuffer(8192);
        using var destination = new AlignedBuffer(8192);
        source.Fill(seed: 7);

        int written = Interop.Pwritev2(fd, [source.AsIoVec()], offset: 4096, flags: 0);
        int read = Interop.Preadv2(fd, [destination.AsIoVec()], offset: 4096, flags: 0);

        Assert.Equal(8192, written);
        Assert.Equal(8192, read);
        AssertSameBytes(source.Span, destination.Span);
    }

    [Fact]
    public void Preadv2_ScattersIntoEverySegmentInOrder()
    {
        using FileDescriptor fd = OpenDirect();
        using var source = new AlignedBuffer(3 * 4096);
        using var destination = new AlignedBuffer(3 * 4096);
        source.Fill(seed: 3);
        Assert.Equal(3 * 4096, Interop.Pwritev2(fd, [source.AsIoVec()], 0, Interop.RWF_DSYNC));

        // Segments in reverse memory order: file bytes land in iovec order, not address order.
        IoVec[] iov = [destination.Slice(2 * 4096, 4096), destination.Slice(0, 4096), destination.Slice(4096, 4096)];
        Assert.Equal(3 * 4096, Interop.Preadv2(fd, iov, 0, 0));

        AssertSameBytes(source.Span[..4096], destination.Span.Slice(2 * 4096, 4096));
        AssertSameBytes(source.Span.Slice(4096, 4096), destination.Span[..4096]);
        AssertSameBytes(source.Span.Slice(2 * 4096, 4096), destination.Span.Slice(4096, 4096));
    }

    [Fact]
    public void Preadv2_MisalignedOffsetWithODirect_ReturnsMinusEINVAL()
    {
        using FileDescriptor fd = OpenDirect();
        using var buffer = new AlignedBuffer(8192);
        Assert.Equal(8192, Interop.Pwritev2(fd, [buffer.AsIoVec()], 0, 0));

        int res = Interop.Preadv2(fd, [buffer.Slice(0, 4096)], offset: 1, flags: 0);

        Assert.Equal(-(int)Errno.EINVAL, res);
    }

    [Fact]
    public void Pwritev2_MisalignedMemoryWithODirect_ReturnsMinusEINVAL()
    {
        using FileDescriptor fd = OpenDirect();
        using var buffer = new AlignedBuffer(8192);

        int res = Interop.Pwritev2(fd, [new IoVec(buffer.Address + 1, 4096)], offset: 0, flags: 0);

        Assert.Equal(-(int)Errno.EINVAL, res);
    }

    [Fact]
    public void Preadv2_AtEndOfFile_ReturnsZero()
    {
        using FileDescriptor fd = OpenDirect();
        using var buffer = new AlignedBuffer(4096);

        Assert.Equal(0, Interop.Preadv2(fd, [buffer.AsIoVec()], 0, 0));
    }

    [Fact]
    public void PreadAndPwrite_OfManagedSpans_RoundTripWithoutODirect()
    {
        using FileDescriptor fd = FileDescriptor.Open(_dir.File("buffered.bin"), Interop.O_RDWR | Interop.O_CREAT);
        byte[] data = [1, 2, 3, 4, 5];
        byte[] back = new byte[5];

        Assert.Equal(5, Interop.Pwrite(fd, data, 10));
        Assert.Equal(5, Interop.Pread(fd, back, 10));

        Assert.Equal(data, back);
    }

    [Fact]
    public void ClosedDescriptor_IsRefusedBeforeTheCall()
    {
        FileDescriptor fd = OpenDirect();
        fd.Dispose();
        using var buffer = new AlignedBuffer(4096);

        // The SafeHandle marshaller refuses a closed handle, so no stale number reaches the kernel.
        Assert.Throws<ObjectDisposedException>(() => Interop.Preadv2(fd, [buffer.AsIoVec()], 0, 0));
    }

    [Fact]
    public void FtruncateFallocateFsyncFdatasync_SucceedAndChangeTheSize()
    {
        using FileDescriptor fd = OpenDirect();

        Assert.Equal(0, Interop.Ftruncate(fd, 1 << 20));
        Assert.Equal(1 << 20, StatxInfo.Get(fd).Size);
        Assert.Equal(0, Interop.Fallocate(fd, 0, 0, 2 << 20));
        Assert.Equal(2 << 20, StatxInfo.Get(fd).Size);
        Assert.Equal(0, Interop.Fallocate(fd, Interop.FALLOC_FL_KEEP_SIZE, 0, 4 << 20));
        Assert.Equal(2 << 20, StatxInfo.Get(fd).Size);
        Assert.Equal(0, Interop.Fsync(fd));
        Assert.Equal(0, Interop.Fdatasync(fd));
    }

    internal static void AssertSameBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int at = expected.SequenceEqual(actual) ? -1 : FirstDifference(expected, actual);
        Assert.True(at < 0, $"bytes differ at i=0x{at:x}: expected 0x{(at < 0 ? 0 : expected[at]):x2}, got 0x{(at < 0 ? 0 : actual[at]):x2}");
    }

    private static int FirstDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return i;
            }
        }

        return -1;
    }
}
