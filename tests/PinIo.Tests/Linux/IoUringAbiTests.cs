using System.Runtime.InteropServices;
using PinIo.Linux;
using Xunit;

namespace PinIo.Tests.Linux;

// The counterpart of the c_static_assert block in a native shim: every kernel struct's size
// and field offsets, against include/uapi/linux/io_uring.h, stat.h and uio.h.
public sealed unsafe class IoUringAbiTests
{
    [Fact]
    public void KernelStructs_HaveTheirUapiSizes()
    {
        Assert.Equal(64, sizeof(IoUringSqe));
        Assert.Equal(16, sizeof(IoUringCqe));
        Assert.Equal(120, sizeof(IoUringParams));
        Assert.Equal(40, sizeof(IoSqringOffsets));
        Assert.Equal(40, sizeof(IoCqringOffsets));
        Assert.Equal(16, sizeof(IoUringProbe));
        Assert.Equal(8, sizeof(IoUringProbeOp));
        Assert.Equal(24, sizeof(IoUringGeteventsArg));
        Assert.Equal(16, sizeof(KernelTimespec));
        Assert.Equal(16, sizeof(IoVec));
        Assert.Equal(256, sizeof(Statx));
        Assert.Equal(16, sizeof(StatxTimestamp));
    }

    [Theory]
    [InlineData(nameof(IoUringSqe.Opcode), 0)]
    [InlineData(nameof(IoUringSqe.Flags), 1)]
    [InlineData(nameof(IoUringSqe.IoPrio), 2)]
    [InlineData(nameof(IoUringSqe.Fd), 4)]
    [InlineData(nameof(IoUringSqe.Off), 8)]
    [InlineData(nameof(IoUringSqe.Addr), 16)]
    [InlineData(nameof(IoUringSqe.Len), 24)]
    [InlineData(nameof(IoUringSqe.RwFlags), 28)]
    [InlineData(nameof(IoUringSqe.FsyncFlags), 28)]
    [InlineData(nameof(IoUringSqe.UserData), 32)]
    [InlineData(nameof(IoUringSqe.BufIndex), 40)]
    [InlineData(nameof(IoUringSqe.Personality), 42)]
    [InlineData(nameof(IoUringSqe.SpliceFdIn), 44)]
    [InlineData(nameof(IoUringSqe.Addr3), 48)]
    public void Sqe_FieldOffsets(string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf<IoUringSqe>(field));

    [Fact]
    public void Sqe_InMemoryLayoutMatchesTheMarshalledOne()
    {
        IoUringSqe sqe = default;
        byte* b = (byte*)&sqe;
        Assert.Equal(4, (byte*)&sqe.Fd - b);
        Assert.Equal(28, (byte*)&sqe.RwFlags - b);
        Assert.Equal(32, (byte*)&sqe.UserData - b);
        Assert.Equal(40, (byte*)&sqe.BufIndex - b);
    }

    [Theory]
    [InlineData(nameof(IoUringCqe.UserData), 0)]
    [InlineData(nameof(IoUringCqe.Res), 8)]
    [InlineData(nameof(IoUringCqe.Flags), 12)]
    public void Cqe_FieldOffsets(string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf<IoUringCqe>(field));

    [Theory]
    [InlineData(nameof(IoUringParams.SqEntries), 0)]
    [InlineData(nameof(IoUringParams.CqEntries), 4)]
    [InlineData(nameof(IoUringParams.Flags), 8)]
    [InlineData(nameof(IoUringParams.Features), 20)]
    [InlineData(nameof(IoUringParams.WqFd), 24)]
    [InlineData(nameof(IoUringParams.SqOff), 40)]
    [InlineData(nameof(IoUringParams.CqOff), 80)]
    public void Params_FieldOffsets(string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf<IoUringParams>(field));

    [Fact]
    public void RingOffsets_FieldOffsets()
    {
        Assert.Equal(24, (int)Marshal.OffsetOf<IoSqringOffsets>(nameof(IoSqringOffsets.Array)));
        Assert.Equal(32, (int)Marshal.OffsetOf<IoSqringOffsets>(nameof(IoSqringOffsets.UserAddr)));
        Assert.Equal(20, (int)Marshal.OffsetOf<IoCqringOffsets>(nameof(IoCqringOffsets.Cqes)));
        Assert.Equal(24, (int)Marshal.OffsetOf<IoCqringOffsets>(nameof(IoCqringOffsets.Flags)));
        Assert.Equal(32, (int)Marshal.OffsetOf<IoCqringOffsets>(nameof(IoCqringOffsets.UserAddr)));
        Assert.Equal(16, (int)Marshal.OffsetOf<IoUringGeteventsArg>(nameof(IoUringGeteventsArg.Ts)));
        Assert.Equal(2, (int)Marshal.OffsetOf<IoUringProbeOp>(nameof(IoUringProbeOp.Flags)));
    }

    [Theory]
    [InlineData(nameof(Statx.Mask), 0x00)]
    [InlineData(nameof(Statx.BlkSize), 0x04)]
    [InlineData(nameof(Statx.Mode), 0x1C)]
    [InlineData(nameof(Statx.Size), 0x28)]
    [InlineData(nameof(Statx.Atime), 0x40)]
    [InlineData(nameof(Statx.Mtime), 0x70)]
    [InlineData(nameof(Statx.RdevMajor), 0x80)]
    [InlineData(nameof(Statx.RdevMinor), 0x84)]
    [InlineData(nameof(Statx.DevMajor), 0x88)]
    [InlineData(nameof(Statx.DevMinor), 0x8C)]
    [InlineData(nameof(Statx.MntId), 0x90)]
    [InlineData(nameof(Statx.DioMemAlign), 0x98)]
    [InlineData(nameof(Statx.DioOffsetAlign), 0x9C)]
    [InlineData(nameof(Statx.Subvol), 0xA0)]
    [InlineData(nameof(Statx.DioReadOffsetAlign), 0xB4)]
    public void Statx_FieldOffsets(string field, int offset) =>
        Assert.Equal(offset, (int)Marshal.OffsetOf<Statx>(field));

    [Fact]
    public void IoVec_IsBaseThenLength()
    {
        Assert.Equal(0, (int)Marshal.OffsetOf<IoVec>(nameof(IoVec.Base)));
        Assert.Equal(8, (int)Marshal.OffsetOf<IoVec>(nameof(IoVec.Length)));
    }

    [Fact]
    public void Constants_MatchTheirUapiDefinitions()
    {
        // _IOR(0x12, 114, size_t) = dir 2 << 30 | size 8 << 16 | type 0x12 << 8 | nr 114.
        Assert.Equal((2u << 30) | (8u << 16) | (0x12u << 8) | 114u, Interop.BLKGETSIZE64);
        Assert.Equal((0x12u << 8) | 104u, Interop.BLKSSZGET);
        Assert.Equal((0x12u << 8) | 123u, Interop.BLKPBSZGET);
        if (RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            Assert.Equal(0x4000, Interop.O_DIRECT);
        }

        Assert.Equal(22, Interop.IORING_OP_READ);
        Assert.Equal(23, Interop.IORING_OP_WRITE);
        Assert.Equal(0x8000000, Interop.IORING_OFF_CQ_RING);
        Assert.Equal(0x10000000, Interop.IORING_OFF_SQES);
        Assert.Equal(1u << 13, Interop.IORING_SETUP_DEFER_TASKRUN);
        Assert.Equal(1u << 8, Interop.IORING_FEAT_EXT_ARG);
    }
}
