// Follows fio's t/io_uring.c (submitter_uring_fn, prep_more_ios_uring, reap_events_uring): its idea, written anew over IoUringRing.
using PinIo.Linux;
using PinIo.Mm;

namespace PinIo.Devices;

/// <summary>
/// One thread's peak loop: a ring of its own over its own descriptor of the target, with the
/// target registered and the buffers registered once, filled <see cref="PeakOptions.SubmitBatch"/>
/// reads at a time up to the depth, one io_uring_enter per batch that also waits for
/// <see cref="PeakOptions.CompleteBatch"/> completions once the depth is full. Nothing else
/// happens per read: no latency clock, no statistics but a count, no allocation.
/// <para>
/// Made, run and disposed on the same thread: the ring is SINGLE_ISSUER | DEFER_TASKRUN where
/// the kernel has them, so only that thread may submit and reap.
/// </para>
/// </summary>
internal sealed unsafe class PeakRing : IDisposable
{
    private readonly PeakOptions _options;
    private readonly string _path;
    private readonly FileDescriptor _file;
    private readonly PagePool _buffers;
    private readonly IoUringRing _ring;
    private readonly int _fd;
    private readonly byte _sqeFlags;
    private readonly ulong _blocks;
    private readonly int[] _freeSlots;
    private readonly long[] _slotOffsets;
    private readonly IoUringCqe[] _cqes;
    private int _freeCount;
    private ulong _random;
    private long _done;
    private int _failedRes;
    private long _failedOffset = -1;
    private int _badWord = -1;

    /// <summary>Opens the target, makes the ring and registers the file and the buffers; throws <see cref="DirectIoException"/> naming what to change.</summary>
    public PeakRing(string path, PeakOptions options, ulong seed)
    {
        _options = options;
        _path = path;
        _random = seed | 1;
        _file = FileDescriptor.Open(path, Interop.O_RDONLY | Interop.O_DIRECT | Interop.O_CLOEXEC);
        try
        {
            _blocks = (ulong)(TargetBytes() / options.BlockSize);
            _buffers = new PagePool(PageSize.PagesSpanned(0, (long)options.Depth * options.BlockSize), options.HugePages && HugePageMemory.IsAvailable);
            _ring = CreateRing(options);
            // As t/io_uring's -X: enter by the thread's ring index. The ring is made, run and
            // disposed on this thread, so the registration ends with it; a kernel that refuses
            // (before 5.18) leaves the descriptor in use.
            _ring.RegisterRingFd();
            (_fd, _sqeFlags) = RegisterFile();
            RegisterBuffers();
        }
        catch
        {
            _ring?.Dispose();
            _buffers?.Dispose();
            _file.Dispose();
            throw;
        }
        _freeSlots = new int[options.Depth];
        for (int i = 0; i < _freeSlots.Length; i++)
        {
            _freeSlots[i] = _freeSlots.Length - 1 - i;
        }
        _freeCount = _freeSlots.Length;
        _slotOffsets = new long[options.Depth];
        _cqes = new IoUringCqe[_ring.CqEntries];
    }

    /// <summary>Reads completed so far; read by the sampling thread while the loop runs.</summary>
    public long Done => Volatile.Read(ref _done);

    /// <summary>The IORING_SETUP_* flags the kernel accepted.</summary>
    public uint SetupFlags => _ring.SetupFlags;

    /// <summary>Whether the kernel accepted MADV_HUGEPAGE for the buffers.</summary>
    public bool HugePages => _buffers.HugePagesAdvised;

    /// <summary>
    /// Reads until <paramref name="stop"/> is set or <paramref name="maxIos"/> (0: no limit) are
    /// done, then waits for every read in flight. Throws <see cref="DirectIoException"/> for a
    /// failed or short read, or a block that does not hold <see cref="PeakPattern"/> with verify.
    /// </summary>
    public void Run(PeakStop stop, long maxIos)
    {
        uint depth = (uint)_options.Depth;
        uint submitBatch = (uint)_options.SubmitBatch;
        uint completeBatch = (uint)_options.CompleteBatch;
        uint inflight = 0;
        long issued = 0;
        while (!stop.Requested && _failedOffset < 0)
        {
            uint toPrep = Math.Min(depth - inflight, submitBatch);
            if (maxIos > 0)
            {
                toPrep = (uint)Math.Min(toPrep, maxIos - issued);
                if (toPrep == 0 && inflight == 0)
                {
                    break;
                }
            }
            for (uint i = 0; i < toPrep; i++)
            {
                PrepRead();
            }
            issued += toPrep;
            inflight += toPrep;
            // Wait only once the depth is full (or nothing more may be issued): until then the
            // next batch goes in at once, as t/io_uring does.
            uint wait = inflight >= depth || toPrep == 0 ? Math.Min(completeBatch, inflight) : 0;
            Enter(_ring.Flush(), wait);
            inflight -= Reap();
        }
        while (inflight > 0)
        {
            Enter(_ring.Flush(), inflight);
            inflight -= Reap();
        }
        ThrowIfFailed();
    }

    /// <summary>
    /// Runs the loop over two depths' worth of reads and forgets them: every method of the loop
    /// is compiled, and every static it touches made, before the clock starts, so the measured
    /// run holds neither the JIT's time nor its allocations.
    /// </summary>
    public void WarmUp()
    {
        Run(new PeakStop(), 2L * _options.Depth);
        Volatile.Write(ref _done, 0);
    }

    public void Dispose()
    {
        // The ring first: closing it ends the kernel's use of the registered buffers.
        _ring.Dispose();
        _buffers.Dispose();
        _file.Dispose();
    }

    private void PrepRead()
    {
        if (!_ring.TryGetSqe(out IoUringSqe* sqe))
        {
            // Never: at most Depth SQEs are out, and the ring has at least Depth slots.
            ThrowHelper.ThrowMisuse("peak: the submission ring is full below the depth");
        }
        int slot = _freeSlots[--_freeCount];
        int bs = _options.BlockSize;
        long offset = (long)NextBlock() * bs;
        _slotOffsets[slot] = offset;
        nint buffer = _buffers.BaseAddress + ((nint)slot * bs);
        if (_options.FixedBuffers)
        {
            IoUringRing.PrepReadFixed(sqe, _fd, buffer, (uint)bs, offset, 0, (ulong)slot, 0, _sqeFlags);
        }
        else
        {
            IoUringRing.PrepRead(sqe, _fd, buffer, (uint)bs, offset, (ulong)slot, 0, _sqeFlags);
        }
    }

    /// <summary>Uniform over the target's blocks: xorshift64*, scaled by a multiply instead of a division.</summary>
    private ulong NextBlock()
    {
        ulong x = _random;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _random = x;
        return Math.BigMul(x * 0x2545F4914F6CDD1DUL, _blocks, out _);
    }

    private void Enter(uint toSubmit, uint wait)
    {
        int res;
        do
        {
            res = _ring.Enter(toSubmit, wait);
        }
        while (res == -(int)Errno.EINTR);
        // EAGAIN and EBUSY: the kernel wants completions reaped first; the SQEs stay published.
        if (res < 0 && res != -(int)Errno.EAGAIN && res != -(int)Errno.EBUSY)
        {
            Errors.Throw((Errno)(-res), "io_uring_enter of the peak loop", _path);
        }
    }

    private uint Reap()
    {
        int count = _ring.PeekBatch(_cqes);
        for (int i = 0; i < count; i++)
        {
            ref IoUringCqe cqe = ref _cqes[i];
            int slot = (int)cqe.UserData;
            if (cqe.Res != _options.BlockSize)
            {
                NoteFailure(cqe.Res, _slotOffsets[slot], -1);
            }
            else if (_options.Verify)
            {
                Check(slot);
            }
            _freeSlots[_freeCount++] = slot;
        }
        _ring.CqAdvance((uint)count);
        Volatile.Write(ref _done, _done + count);
        return (uint)count;
    }

    private void Check(int slot)
    {
        int bs = _options.BlockSize;
        var block = new ReadOnlySpan<byte>((void*)(_buffers.BaseAddress + ((nint)slot * bs)), bs);
        int bad = PeakPattern.FirstMismatch(block, _slotOffsets[slot]);
        if (bad >= 0)
        {
            NoteFailure(bs, _slotOffsets[slot], bad);
        }
    }

    private void NoteFailure(int res, long offset, int badWord)
    {
        if (_failedOffset < 0)
        {
            _failedRes = res;
            _failedOffset = offset;
            _badWord = badWord;
        }
    }

    private void ThrowIfFailed()
    {
        if (_failedOffset < 0)
        {
            return;
        }
        int bs = _options.BlockSize;
        if (_badWord >= 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EIO, $"peak --verify: {_path}: the {bs}-byte block at offset {_failedOffset} differs from the pattern at byte {_badWord} " +
                $"(expected word 0x{PeakPattern.WordAt(_failedOffset + _badWord):x16}): write the pattern to the target first, or run without verify");
        }
        if (_failedRes < 0)
        {
            Errors.Throw((Errno)(-_failedRes), $"peak read of {bs} bytes at offset {_failedOffset}" + HintFor((Errno)(-_failedRes)), _path);
        }
        ThrowHelper.ThrowDirectIo(Errno.EIO, $"peak: {_path}: a read of {bs} bytes at offset {_failedOffset} returned {_failedRes} bytes: give a size within the target");
    }

    private string HintFor(Errno errno) => errno == Errno.EOPNOTSUPP && _options.Polled
        ? " (the target has no poll queues: run without polling)"
        : "";

    private long TargetBytes()
    {
        StatxInfo st = StatxInfo.Get(_file, _path);
        long bytes = st.IsBlockDevice ? BlockDeviceInfo.Query(_file, _path).SizeBytes : st.Size;
        if (_options.Size > bytes)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"peak: size {_options.Size} is more than {_path} holds ({bytes} bytes): give a smaller size");
        }
        long size = _options.Size > 0 ? _options.Size : bytes;
        if (size < _options.BlockSize)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"peak: {_path} holds {bytes} bytes, less than one {_options.BlockSize}-byte block: give a larger target");
        }
        return size;
    }

    /// <summary>
    /// The optional flags (owner-only: Linux 6.1; NO_SQARRAY: 6.6) are dropped on EINVAL, newest
    /// first; the polling flags were asked for by name and are not.
    /// </summary>
    private static IoUringRing CreateRing(PeakOptions options)
    {
        IoUringParams p = default;
        uint entries = (uint)Math.Max(2, RoundUpPow2(options.Depth));
        if (options.Polled)
        {
            p.Flags |= Interop.IORING_SETUP_IOPOLL;
        }
        if (options.SubmissionPolling)
        {
            p.Flags |= Interop.IORING_SETUP_SQPOLL;
            p.SqThreadIdle = 1000;
        }
        // The kernel refuses DEFER_TASKRUN beside SQPOLL: its thread runs the task work.
        uint owner = Interop.IORING_SETUP_SINGLE_ISSUER | (options.SubmissionPolling ? 0 : Interop.IORING_SETUP_DEFER_TASKRUN);
        uint[] optional = options.NoSqArray ? [Interop.IORING_SETUP_NO_SQARRAY, owner] : [owner];
        foreach (uint flags in optional)
        {
            p.Flags |= flags;
        }
        return IoUringRing.CreateDroppingRefused(entries, p, optional, static (n, q) => IoUringRing.Create(n, in q));
    }

    private (int Fd, byte Flags) RegisterFile()
    {
        int raw = _file.DangerousFd;
        if (!_options.RegisteredFile)
        {
            return (raw, 0);
        }
        int res = _ring.RegisterFiles([raw]);
        if (res < 0)
        {
            Errors.Throw((Errno)(-res), "io_uring_register of the target as a fixed file (run with registered files off)", _path);
        }
        return (0, Interop.IOSQE_FIXED_FILE);
    }

    private void RegisterBuffers()
    {
        if (!_options.FixedBuffers)
        {
            return;
        }
        IoVec all = new(_buffers.BaseAddress, (nuint)_buffers.SizeBytes);
        int res = _ring.RegisterBuffers(new ReadOnlySpan<IoVec>(in all));
        if (res < 0)
        {
            Errors.Throw((Errno)(-res), $"io_uring_register of {_buffers.SizeBytes} bytes of fixed buffers (raise RLIMIT_MEMLOCK, lower the depth, or run with fixed buffers off)", _path);
        }
    }

    private static int RoundUpPow2(int value) => 1 << (32 - int.LeadingZeroCount(value - 1));
}
