// Follows liburing src/include/liburing.h (io_uring_prep_rw and the io_uring_prep_* helpers).
namespace PinIo.Linux;

/// <summary>
/// Every helper overwrites all 64 bytes of the SQE (a whole-struct store of a fresh value),
/// so no field of an earlier request survives in a reused slot. <c>fd</c> is a descriptor,
/// or a registered-file index when <c>sqeFlags</c> holds IOSQE_FIXED_FILE. An offset of -1
/// means the file position for READ/WRITE/READV/WRITEV (IORING_FEAT_RW_CUR_POS).
/// </summary>
internal sealed unsafe partial class IoUringRing
{
    public static void PrepNop(IoUringSqe* sqe, ulong userData, byte sqeFlags = 0) =>
        PrepRw(sqe, Interop.IORING_OP_NOP, -1, 0, 0, 0, userData, 0, sqeFlags);

    /// <summary>
    /// The iovec array is read while the SQE is submitted (IORING_FEAT_SUBMIT_STABLE), so it
    /// needs to live only until <see cref="Submit"/> returns; the buffers it points to live
    /// until the CQE. The kernel pins those pages for this request only.
    /// </summary>
    public static void PrepReadv(IoUringSqe* sqe, int fd, IoVec* iovecs, uint count, long offset, ulong userData,
        int rwFlags = 0, byte sqeFlags = 0) =>
        PrepRw(sqe, Interop.IORING_OP_READV, fd, (nint)iovecs, count, offset, userData, rwFlags, sqeFlags);

    /// <summary>As <see cref="PrepReadv"/>, writing.</summary>
    public static void PrepWritev(IoUringSqe* sqe, int fd, IoVec* iovecs, uint count, long offset, ulong userData,
        int rwFlags = 0, byte sqeFlags = 0) =>
        PrepRw(sqe, Interop.IORING_OP_WRITEV, fd, (nint)iovecs, count, offset, userData, rwFlags, sqeFlags);

    /// <summary>One buffer; it must stay valid until the CQE. The kernel pins its pages for this request only.</summary>
    public static void PrepRead(IoUringSqe* sqe, int fd, nint buffer, uint length, long offset, ulong userData,
        int rwFlags = 0, byte sqeFlags = 0) =>
        PrepRw(sqe, Interop.IORING_OP_READ, fd, buffer, length, offset, userData, rwFlags, sqeFlags);

    /// <summary>As <see cref="PrepRead"/>, writing.</summary>
    public static void PrepWrite(IoUringSqe* sqe, int fd, nint buffer, uint length, long offset, ulong userData,
        int rwFlags = 0, byte sqeFlags = 0) =>
        PrepRw(sqe, Interop.IORING_OP_WRITE, fd, buffer, length, offset, userData, rwFlags, sqeFlags);

    /// <summary>
    /// [buffer, buffer + length) must lie inside registered buffer <paramref name="bufIndex"/>
    /// (else the CQE carries -EFAULT). Its pages were pinned once at registration, so this
    /// request pins nothing.
    /// </summary>
    public static void PrepReadFixed(IoUringSqe* sqe, int fd, nint buffer, uint length, long offset, ushort bufIndex,
        ulong userData, int rwFlags = 0, byte sqeFlags = 0)
    {
        PrepRw(sqe, Interop.IORING_OP_READ_FIXED, fd, buffer, length, offset, userData, rwFlags, sqeFlags);
        sqe->BufIndex = bufIndex;
    }

    /// <summary>As <see cref="PrepReadFixed"/>, writing.</summary>
    public static void PrepWriteFixed(IoUringSqe* sqe, int fd, nint buffer, uint length, long offset, ushort bufIndex,
        ulong userData, int rwFlags = 0, byte sqeFlags = 0)
    {
        PrepRw(sqe, Interop.IORING_OP_WRITE_FIXED, fd, buffer, length, offset, userData, rwFlags, sqeFlags);
        sqe->BufIndex = bufIndex;
    }

    /// <summary><paramref name="fsyncFlags"/>: 0 for fsync, IORING_FSYNC_DATASYNC for fdatasync.</summary>
    public static void PrepFsync(IoUringSqe* sqe, int fd, uint fsyncFlags, ulong userData, byte sqeFlags = 0)
    {
        PrepRw(sqe, Interop.IORING_OP_FSYNC, fd, 0, 0, 0, userData, 0, sqeFlags);
        sqe->FsyncFlags = fsyncFlags;
    }

    /// <summary>
    /// fallocate(2) from the ring: the SQE carries the mode in len and the length in addr.
    /// With FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, a regular file's discard.
    /// </summary>
    public static void PrepFallocate(IoUringSqe* sqe, int fd, int mode, long offset, long length, ulong userData, byte sqeFlags = 0) =>
        PrepRw(sqe, Interop.IORING_OP_FALLOCATE, fd, (nint)length, (uint)mode, offset, userData, 0, sqeFlags);

    /// <summary>
    /// BLOCK_URING_CMD_DISCARD (Linux 6.12): a block device discards [start, start + length),
    /// as the BLKDISCARD ioctl does, without a blocking call. cmd_op shares the offset's first
    /// four bytes; len, rw_flags and ioprio must be 0 or the kernel answers EINVAL.
    /// </summary>
    public static void PrepBlockDiscard(IoUringSqe* sqe, int fd, long start, long length, ulong userData, byte sqeFlags = 0)
    {
        PrepRw(sqe, Interop.IORING_OP_URING_CMD, fd, (nint)start, 0, Interop.BLOCK_URING_CMD_DISCARD, userData, 0, sqeFlags);
        sqe->Addr3 = (ulong)length;
    }

    /// <summary>
    /// IORING_OP_ASYNC_CANCEL of the request whose user_data is <paramref name="targetUserData"/>
    /// (io_uring/cancel.c matches by user_data when no cancel flag says otherwise). Its own CQE
    /// says 0 (canceled: the target's CQE carries -ECANCELED), -EALREADY (running, it may still
    /// complete) or -ENOENT (not cancelable, or already done): the target's CQE comes either way.
    /// </summary>
    public static void PrepCancel(IoUringSqe* sqe, ulong targetUserData, ulong userData) =>
        PrepRw(sqe, Interop.IORING_OP_ASYNC_CANCEL, -1, (nint)targetUserData, 0, 0, userData);

    /// <summary>The common shape of every request: writes the whole SQE.</summary>
    public static void PrepRw(IoUringSqe* sqe, byte opcode, int fd, nint addr, uint length, long offset, ulong userData,
        int rwFlags = 0, byte sqeFlags = 0)
    {
        IoUringSqe fresh = default;
        fresh.Opcode = opcode;
        fresh.Flags = sqeFlags;
        fresh.Fd = fd;
        fresh.Off = (ulong)offset;
        fresh.Addr = (ulong)addr;
        fresh.Len = length;
        fresh.RwFlags = (uint)rwFlags;
        fresh.UserData = userData;
        *sqe = fresh;
    }
}
