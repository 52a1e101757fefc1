// Follows fs/aio.c (ioctx_alloc, io_submit_one, read_events, kill_ioctx) as seen from user space.
namespace PinIo.Linux;

/// <summary>
/// A native AIO context (aio_context_t) over the raw syscalls, with the helpers that fill an
/// iocb. Each helper writes the whole iocb, so nothing of an earlier request survives in a
/// reused one. <see cref="Dispose"/> is io_destroy: it cancels what can be canceled (a poll),
/// waits for the rest and frees the context, after which no request can touch memory.
/// </summary>
internal sealed unsafe class AioContext : IDisposable
{
    private ulong _context;

    private AioContext(ulong context) => _context = context;

    /// <summary>A context for <paramref name="maxEvents"/> requests in flight; throws <see cref="DirectIoException"/> with advice.</summary>
    public static AioContext Create(uint maxEvents)
    {
        int res = Interop.IoSetup(maxEvents, out ulong context);
        if (res < 0)
        {
            throw Errors.CreateIoSetup((Errno)(-res), maxEvents);
        }
        return new AioContext(context);
    }

    /// <summary>Queues iocbs from the first; returns how many were, or -errno for the first (the one at fault).</summary>
    public int Submit(AioIocb** iocbs, int count) => Interop.IoSubmit(_context, count, iocbs);

    /// <summary>Reaps up to <paramref name="events"/>.Length completions, waiting for <paramref name="minEvents"/>; -errno on failure.</summary>
    public int GetEvents(int minEvents, Span<AioEvent> events) => Interop.IoGetevents(_context, minEvents, events);

    /// <summary>One buffer or (PREADV/PWRITEV) an iovec array, which the kernel copies during io_submit.</summary>
    public static void PrepRw(AioIocb* iocb, ushort opcode, int fd, nint buffer, ulong bytes, long offset, ulong data, int rwFlags = 0)
    {
        AioIocb fresh = default;
        fresh.Data = data;
        fresh.Opcode = opcode;
        fresh.Fd = (uint)fd;
        fresh.Buffer = (ulong)buffer;
        fresh.Bytes = bytes;
        fresh.Offset = offset;
        fresh.RwFlags = rwFlags;
        *iocb = fresh;
    }

    /// <summary>fdatasync (<paramref name="dataOnly"/>) or fsync of the file, run by the kernel's AIO workqueue.</summary>
    public static void PrepFsync(AioIocb* iocb, int fd, bool dataOnly, ulong data) =>
        PrepRw(iocb, dataOnly ? Interop.IOCB_CMD_FDSYNC : Interop.IOCB_CMD_FSYNC, fd, 0, 0, 0, data);

    /// <summary>A one-shot poll: its event arrives when <paramref name="fd"/> has one of <paramref name="events"/> (Linux 4.18).</summary>
    public static void PrepPoll(AioIocb* iocb, int fd, ulong events, ulong data) =>
        PrepRw(iocb, Interop.IOCB_CMD_POLL, fd, (nint)events, 0, 0, data);

    public void Dispose()
    {
        if (_context != 0)
        {
            Errors.Check(Interop.IoDestroy(_context), "io_destroy");
            _context = 0;
        }
    }
}
