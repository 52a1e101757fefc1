// Follows include/uapi/linux/io_uring.h and io_uring_setup(2), io_uring_enter(2), io_uring_register(2).
using System.Runtime.InteropServices;

namespace PinIo.Linux;

internal static partial class Interop
{
    // The io_uring calls came after the syscall tables were unified (424 onwards), so these
    // numbers hold on x86_64 and arm64 alike. glibc has no wrappers: they go through syscall(2).
    internal const long SYS_io_uring_setup = 425;
    internal const long SYS_io_uring_enter = 426;
    internal const long SYS_io_uring_register = 427;

    // enum io_uring_op (the ones PinIo uses, and the first few after them).
    internal const byte IORING_OP_NOP = 0;
    internal const byte IORING_OP_READV = 1;
    internal const byte IORING_OP_WRITEV = 2;
    internal const byte IORING_OP_FSYNC = 3;
    internal const byte IORING_OP_READ_FIXED = 4;
    internal const byte IORING_OP_WRITE_FIXED = 5;
    internal const byte IORING_OP_POLL_ADD = 6;
    internal const byte IORING_OP_POLL_REMOVE = 7;
    internal const byte IORING_OP_SYNC_FILE_RANGE = 8;
    internal const byte IORING_OP_TIMEOUT = 11;
    internal const byte IORING_OP_ASYNC_CANCEL = 14;
    internal const byte IORING_OP_LINK_TIMEOUT = 15;
    internal const byte IORING_OP_FALLOCATE = 17;
    internal const byte IORING_OP_OPENAT = 18;
    internal const byte IORING_OP_CLOSE = 19;
    internal const byte IORING_OP_FILES_UPDATE = 20;
    internal const byte IORING_OP_STATX = 21;
    internal const byte IORING_OP_READ = 22;
    internal const byte IORING_OP_WRITE = 23;
    internal const byte IORING_OP_FADVISE = 24;
    internal const byte IORING_OP_MADVISE = 25;
    internal const byte IORING_OP_URING_CMD = 46;

    // include/uapi/linux/blkdev.h: the block device's io_uring commands (Linux 6.12).
    internal const uint BLOCK_URING_CMD_DISCARD = 0x1200; // _IO(0x12, 0): addr = start, addr3 = length, in bytes

    // sqe->flags
    internal const byte IOSQE_FIXED_FILE = 1 << 0; // fd is an index into the registered files
    internal const byte IOSQE_IO_DRAIN = 1 << 1;
    internal const byte IOSQE_IO_LINK = 1 << 2;
    internal const byte IOSQE_IO_HARDLINK = 1 << 3;
    internal const byte IOSQE_ASYNC = 1 << 4;
    internal const byte IOSQE_BUFFER_SELECT = 1 << 5;
    internal const byte IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // sqe->fsync_flags
    internal const uint IORING_FSYNC_DATASYNC = 1 << 0;

    // io_uring_setup() flags
    internal const uint IORING_SETUP_IOPOLL = 1 << 0;
    internal const uint IORING_SETUP_SQPOLL = 1 << 1;
    internal const uint IORING_SETUP_SQ_AFF = 1 << 2;
    internal const uint IORING_SETUP_CQSIZE = 1 << 3;
    internal const uint IORING_SETUP_CLAMP = 1 << 4;
    internal const uint IORING_SETUP_ATTACH_WQ = 1 << 5;
    internal const uint IORING_SETUP_R_DISABLED = 1 << 6;
    internal const uint IORING_SETUP_SUBMIT_ALL = 1 << 7;
    internal const uint IORING_SETUP_COOP_TASKRUN = 1 << 8;
    internal const uint IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    internal const uint IORING_SETUP_SQE128 = 1 << 10;
    internal const uint IORING_SETUP_CQE32 = 1 << 11;
    internal const uint IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    internal const uint IORING_SETUP_DEFER_TASKRUN = 1 << 13;
    internal const uint IORING_SETUP_NO_MMAP = 1 << 14;
    internal const uint IORING_SETUP_REGISTERED_FD_ONLY = 1 << 15;
    internal const uint IORING_SETUP_NO_SQARRAY = 1 << 16;

    // sq_ring->flags, written by the kernel
    internal const uint IORING_SQ_NEED_WAKEUP = 1 << 0;
    internal const uint IORING_SQ_CQ_OVERFLOW = 1 << 1;
    internal const uint IORING_SQ_TASKRUN = 1 << 2;

    // cqe->flags
    internal const uint IORING_CQE_F_BUFFER = 1 << 0;
    internal const uint IORING_CQE_F_MORE = 1 << 1;

    // io_uring_enter(2) flags
    internal const uint IORING_ENTER_GETEVENTS = 1 << 0;
    internal const uint IORING_ENTER_SQ_WAKEUP = 1 << 1;
    internal const uint IORING_ENTER_SQ_WAIT = 1 << 2;
    internal const uint IORING_ENTER_EXT_ARG = 1 << 3;
    internal const uint IORING_ENTER_REGISTERED_RING = 1 << 4;

    // io_uring_params->features
    internal const uint IORING_FEAT_SINGLE_MMAP = 1 << 0;
    internal const uint IORING_FEAT_NODROP = 1 << 1;
    internal const uint IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    internal const uint IORING_FEAT_RW_CUR_POS = 1 << 3;
    internal const uint IORING_FEAT_CUR_PERSONALITY = 1 << 4;
    internal const uint IORING_FEAT_FAST_POLL = 1 << 5;
    internal const uint IORING_FEAT_POLL_32BITS = 1 << 6;
    internal const uint IORING_FEAT_SQPOLL_NONFIXED = 1 << 7;
    internal const uint IORING_FEAT_EXT_ARG = 1 << 8;
    internal const uint IORING_FEAT_NATIVE_WORKERS = 1 << 9;
    internal const uint IORING_FEAT_RSRC_TAGS = 1 << 10;
    internal const uint IORING_FEAT_CQE_SKIP = 1 << 11;
    internal const uint IORING_FEAT_LINKED_FILE = 1 << 12;
    internal const uint IORING_FEAT_REG_REG_RING = 1 << 13;

    // io_uring_register(2) opcodes
    internal const uint IORING_REGISTER_BUFFERS = 0;
    internal const uint IORING_UNREGISTER_BUFFERS = 1;
    internal const uint IORING_REGISTER_FILES = 2;
    internal const uint IORING_UNREGISTER_FILES = 3;
    internal const uint IORING_REGISTER_EVENTFD = 4;
    internal const uint IORING_UNREGISTER_EVENTFD = 5;
    internal const uint IORING_REGISTER_FILES_UPDATE = 6;
    internal const uint IORING_REGISTER_PROBE = 8;
    internal const uint IORING_REGISTER_ENABLE_RINGS = 12;
    internal const uint IORING_REGISTER_RING_FDS = 20;
    internal const uint IORING_UNREGISTER_RING_FDS = 21;

    internal const ushort IO_URING_OP_SUPPORTED = 1 << 0;

    // Magic mmap offsets on the ring descriptor.
    internal const long IORING_OFF_SQ_RING = 0;
    internal const long IORING_OFF_CQ_RING = 0x8000000;
    internal const long IORING_OFF_SQES = 0x10000000;

    /// <summary>_NSIG / 8: the sigset size the kernel checks when a signal mask is passed.</summary>
    internal const nuint KernelSigsetSize = 8;

    /// Wraps io_uring_setup(2).
    // syscall(2) is variadic in C; on the x86_64 and arm64 Linux ABIs integer and pointer
    // arguments travel like named ones, and glibc's syscall() ignores %al.
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long SysIoUringSetup(long number, uint entries, IoUringParams* parameters);

    /// Wraps io_uring_enter(2). No SetLastError: its stub clears errno before every call and
    /// stores it in a thread static after (two calls into the runtime's native shim and a TLS
    /// lookup per enter, once per I/O); <see cref="IoUringEnter"/> reads errno only on failure.
    [LibraryImport(Libc, EntryPoint = "syscall")]
    private static unsafe partial long SysIoUringEnter(
        long number, int fd, uint toSubmit, uint minComplete, uint flags, void* argument, nuint argumentSize);

    /// Wraps io_uring_register(2).
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long SysIoUringRegister(long number, int fd, uint opcode, void* argument, uint count);

    /// <summary>
    /// Returns the ring descriptor or -errno. On success the kernel has filled
    /// <paramref name="parameters"/> (entries, features, ring offsets); the caller owns the descriptor.
    /// </summary>
    internal static unsafe int IoUringSetup(uint entries, ref IoUringParams parameters)
    {
        fixed (IoUringParams* p = &parameters)
        {
            long res = SysIoUringSetup(SYS_io_uring_setup, entries, p);
            return res >= 0 ? (int)res : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>Returns the number of SQEs consumed, or -errno (EINTR when a wait was interrupted before any was).</summary>
    internal static unsafe int IoUringEnter(int fd, uint toSubmit, uint minComplete, uint flags, void* argument, nuint argumentSize)
    {
        long res = SysIoUringEnter(SYS_io_uring_enter, fd, toSubmit, minComplete, flags, argument, argumentSize);
        // syscall(2) sets errno only when it returns -1, so errno need not be cleared first; it
        // is read straight after the call, as the SetLastError stub itself reads it.
        return res >= 0 ? (int)res : -Marshal.GetLastSystemError();
    }

    /// <summary>Returns the opcode's result (0 for most) or -errno.</summary>
    internal static unsafe int IoUringRegister(int fd, uint opcode, void* argument, uint count)
    {
        long res = SysIoUringRegister(SYS_io_uring_register, fd, opcode, argument, count);
        return res >= 0 ? (int)res : -Marshal.GetLastPInvokeError();
    }
}
