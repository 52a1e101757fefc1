// Follows liburing src/register.c and src/setup.c (io_uring_get_probe_ring, io_uring_opcode_supported).
namespace PinIo.Linux;

internal sealed unsafe partial class IoUringRing
{
    // io_uring_probe takes at most IORING_OP_LAST entries; an opcode is a byte.
    private const int ProbeOps = 256;

    /// <summary>
    /// Registers <paramref name="buffers"/> as fixed buffers 0..n-1 for READ_FIXED and
    /// WRITE_FIXED. The kernel pins every page once, long-term (FOLL_PIN | FOLL_LONGTERM),
    /// instead of per request; <see cref="UnregisterBuffers"/> or <see cref="Dispose"/>
    /// unpins them, and the memory must stay allocated until then. Returns 0 or -errno
    /// (EBUSY: buffers already registered; ENOMEM: over RLIMIT_MEMLOCK; EFAULT: unmapped memory).
    /// </summary>
    public int RegisterBuffers(ReadOnlySpan<IoVec> buffers)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        fixed (IoVec* p = buffers)
        {
            return Interop.IoUringRegister(_fd, Interop.IORING_REGISTER_BUFFERS, p, (uint)buffers.Length);
        }
    }

    /// <summary>Unpins and forgets the fixed buffers; returns 0 or -errno (ENXIO: none registered).</summary>
    public int UnregisterBuffers()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Interop.IoUringRegister(_fd, Interop.IORING_UNREGISTER_BUFFERS, null, 0);
    }

    /// <summary>
    /// Registers descriptors as files 0..n-1 for SQEs flagged IOSQE_FIXED_FILE, which then
    /// skip the per-request file lookup and reference. The kernel holds its own reference,
    /// released by <see cref="UnregisterFiles"/> or <see cref="Dispose"/>. Returns 0 or -errno.
    /// </summary>
    public int RegisterFiles(ReadOnlySpan<int> fds)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        fixed (int* p = fds)
        {
            return Interop.IoUringRegister(_fd, Interop.IORING_REGISTER_FILES, p, (uint)fds.Length);
        }
    }

    /// <summary>Drops the registered files; returns 0 or -errno (ENXIO: none registered).</summary>
    public int UnregisterFiles()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Interop.IoUringRegister(_fd, Interop.IORING_UNREGISTER_FILES, null, 0);
    }

    /// <summary>
    /// Enables a ring made with IORING_SETUP_R_DISABLED. With SINGLE_ISSUER the calling thread
    /// becomes the ring's only submitter, so a ring can be made on one thread and owned by
    /// another. Returns 0 or -errno.
    /// </summary>
    public int EnableRings()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Interop.IoUringRegister(_fd, Interop.IORING_REGISTER_ENABLE_RINGS, null, 0);
    }

    /// <summary>
    /// Whether this kernel implements <paramref name="opcode"/>, from one IORING_REGISTER_PROBE
    /// made on first use. Kernels before 5.6 have no probe: everything then reads as
    /// unsupported, and callers fall back to the Sync engine.
    /// </summary>
    public bool IsOpcodeSupported(byte opcode)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ulong[] supported = _supportedOps ??= ProbeOpcodes();
        return (supported[opcode >> 6] & (1UL << (opcode & 63))) != 0;
    }

    private ulong[] ProbeOpcodes()
    {
        var supported = new ulong[ProbeOps / 64];
        int size = sizeof(IoUringProbe) + (ProbeOps * sizeof(IoUringProbeOp));
        byte* buffer = stackalloc byte[size];
        // The kernel refuses a probe buffer with any nonzero byte (EINVAL).
        new Span<byte>(buffer, size).Clear();
        if (Interop.IoUringRegister(_fd, Interop.IORING_REGISTER_PROBE, buffer, ProbeOps) < 0)
        {
            return supported;
        }

        var probe = (IoUringProbe*)buffer;
        var ops = (IoUringProbeOp*)(probe + 1);
        for (int i = 0; i < probe->OpsLen; i++)
        {
            if ((ops[i].Flags & Interop.IO_URING_OP_SUPPORTED) != 0)
            {
                supported[ops[i].Op >> 6] |= 1UL << (ops[i].Op & 63);
            }
        }

        return supported;
    }
}
