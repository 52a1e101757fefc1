// Follows block/fops.c (blkdev_direct_IO over a file or block device opened with O_DIRECT).
using System.Runtime.CompilerServices;
using System.Diagnostics.CodeAnalysis;
using PinIo.Block;
using PinIo.Linux;
using PinIo.Mm;

namespace PinIo.Devices;

/// <summary>
/// A regular file or a block device opened with <c>O_DIRECT</c>, as an
/// <see cref="IBlockDevice"/>. Its <see cref="QueueLimits"/> come from
/// <c>statx(STATX_DIOALIGN)</c> for files and, for block devices, alignment from the ioctls and
/// <c>/sys/block/&lt;dev&gt;/queue/</c> and request size from one kernel bio. Bios go out through an engine:
/// io_uring (falling back to the sync engine where io_uring is unavailable), native AIO
/// (libaio's io_submit/io_getevents) or preadv2/pwritev2 from worker threads. A file's
/// <see cref="IBlockDevice.Capacity"/> is its size: reads stop there and writes past it extend it.
/// </summary>
public sealed partial class FileDevice : IGrowableDevice, IAsyncDisposable
{
    // Regular files have no request queue: the file system splits. These bound one bio.
    private const int FileMaxBioBytes = 8 << 20;
    private const int FileMaxSegments = 1024; // UIO_MAXIOV
    private const int FileMaxSegmentSize = 1 << 30;

    // A file's discard is a hole punch, which has no size limit; this bounds one fallocate call.
    private const int FileMaxDiscardBytes = 1 << 30;

    /// <summary>BIO_MAX_VECS: the most vecs one kernel bio holds.</summary>
    private const int KernelBioMaxVecs = 256;

    /// <summary>The most one kernel bio holds of user memory: BIO_MAX_VECS pages.</summary>
    private const int KernelBioMaxBytes = KernelBioMaxVecs * PageSize.Bytes;

    private readonly FileDescriptor _fd;
    private readonly IFileEngine _engine;
    private long _size;
    private int _disposed;
    private int _submitters;
    // One thread marks itself in Submit with plain stores instead of the counter's two
    // interlocked operations (about 15 ns each, per bio); Close pays instead, with a
    // process-wide barrier. That thread is the io_uring engine's owner (a polled ring's
    // driver, or the ring thread where inline continuations submit), else the first to submit.
    private int _soleSubmitterThread;
    private int _soleSubmitterInside;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FileDevice(string path, FileDescriptor fd, bool isBlockDevice, long size, QueueLimits limits, FileDeviceOptions options)
    {
        Path = path;
        _fd = fd;
        IsBlockDevice = isBlockDevice;
        _size = size;
        Limits = limits;
        ReadOnly = options.ReadOnly;
        // Validated against MaxBufferPoolBytes: the page count fits an int.
        BufferPool = options.BufferPoolBytes > 0 ? new PagePool(PageSize.PagesSpanned(0, options.BufferPoolBytes), options.HugePagePool, hugeTlb: true) : null;
        try
        {
            _engine = CreateEngine(options);
        }
        catch
        {
            BufferPool?.Dispose();
            throw;
        }
        Engine = _engine switch
        {
            IoUringEngine => IoEngine.IoUring,
            LibaioEngine => IoEngine.Libaio,
            _ => IoEngine.Sync,
        };
    }

    /// <summary>The path the device was opened with.</summary>
    public string Path { get; }

    /// <summary>
    /// For a regular file: logical block and memory alignment from statx(STATX_DIOALIGN)
    /// (stx_dio_offset_align, stx_dio_mem_align); for a block device: the queue's alignment from
    /// its ioctls and /sys/block/&lt;dev&gt;/queue/, and one kernel bio (BIO_MAX_VECS pages and
    /// vecs) as the largest request, which the kernel splits by the queue's own limits below.
    /// Fixed at open.
    /// </summary>
    public QueueLimits Limits { get; }

    /// <summary>
    /// Bytes: a block device's size, or a regular file's current size (it grows as writes past
    /// it complete; reads stop there).
    /// </summary>
    public long Capacity => Volatile.Read(ref _size);

    /// <summary>A block device cannot grow; a file can, to the largest offset Linux takes.</summary>
    public long MaxCapacity => IsBlockDevice ? Capacity : long.MaxValue & ~(long)PageSize.OffsetMask;

    /// <summary>True for a block device node (S_ISBLK), false for a regular file.</summary>
    public bool IsBlockDevice { get; }

    /// <summary>Opened O_RDONLY (<see cref="FileDeviceOptions.ReadOnly"/>): write bios fail with EBADF.</summary>
    public bool ReadOnly { get; }

    /// <summary>The engine in use (io_uring may have fallen back to sync).</summary>
    public IoEngine Engine { get; }

    /// <summary>Pool memory registered with the ring as fixed buffers, when there is one.</summary>
    public PagePool? BufferPool { get; }

    /// <summary>Whether <see cref="BufferPool"/> is registered: I/O from it costs the kernel no pin per request.</summary>
    public bool UsesFixedBuffers => _engine.UsesFixedBuffers;

    /// <summary>
    /// The engine in one line: for io_uring the ring's setup flags, what is registered (ring
    /// descriptor, file, buffer pool and what backs it) and each feature the kernel refused, with why.
    /// </summary>
    public string EngineDescription => _engine is IoUringEngine ring ? ring.Description : Engine.ToString();

    internal FileDescriptor Descriptor => _fd;

    /// <summary>The engine behind the device, for tests and diagnostics (IoUringEngine.StaleCompletions).</summary>
    internal IFileEngine EngineCore => _engine;

    /// <summary>
    /// Opens <paramref name="path"/> with O_DIRECT. Throws <see cref="DirectIoException"/>:
    /// ENOENT for a missing path, EOPNOTSUPP when the file system refuses O_DIRECT,
    /// EACCES/EROFS when writing is not allowed, and so on, each saying what to change.
    /// Options that cannot work together throw <see cref="ArgumentException"/> before anything
    /// is opened (CompletionPolling without PolledCompletions, for one).
    /// </summary>
    /// <param name="path">A regular file or a block device node.</param>
    /// <param name="options">Engine, queue depth, access and creation; null for the defaults (io_uring, read-write, O_DIRECT).</param>
    /// <exception cref="DirectIoException"><see cref="Errno.ENOENT"/>: no such path (and not
    /// <see cref="FileDeviceOptions.Create"/>). <see cref="Errno.EOPNOTSUPP"/>: the file system refuses
    /// O_DIRECT (tmpfs before 6.6, for one). <see cref="Errno.EISDIR"/>: a directory.
    /// <see cref="Errno.EINVAL"/>: neither a regular file nor a block device.
    /// <see cref="Errno.EACCES"/>/<see cref="Errno.EROFS"/>: writing is not allowed (open with
    /// <see cref="FileDeviceOptions.ReadOnly"/>). <see cref="Errno.EPERM"/>/<see cref="Errno.ENOMEM"/>:
    /// the io_uring features asked for by name (SQPOLL, IOPOLL) or its locked memory were refused.
    /// Every message says what to change.</exception>
    /// <exception cref="ArgumentException">Options that cannot work together, or a value out of range; nothing was opened.</exception>
    public static FileDevice Open(string path, FileDeviceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new FileDeviceOptions();
        options.Validate();
        return OpenDescriptor(path, FileDescriptor.Open(path, OpenFlags(options)), options);
    }

    /// <summary>The device over an open descriptor; disposes the descriptor when it fails.</summary>
    private static FileDevice OpenDescriptor(string path, FileDescriptor fd, FileDeviceOptions options)
    {
        try
        {
            StatxInfo st = StatxInfo.Get(fd, path);
            if (!st.IsRegularFile && !st.IsBlockDevice)
            {
                Errors.Throw(Errno.EINVAL, "open", path);
            }
            long size = st.IsBlockDevice ? BlockDeviceInfo.Query(fd, path).SizeBytes : st.Size;
            QueueLimits limits = st.IsBlockDevice ? BlockDeviceLimits(fd, path) : FileLimits(st);
            if (st.IsRegularFile && options.InitialSize > size && !options.ReadOnly)
            {
                Extend(fd, path, size, options.InitialSize);
                size = options.InitialSize;
            }
            return new FileDevice(path, fd, st.IsBlockDevice, size, limits.Validate(), options);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Hands <paramref name="bio"/> to the engine (preadv2/pwritev2, an io_uring SQE or an AIO
    /// iocb, from the bio's vecs without a copy); it ends when the kernel's completion is reaped.
    /// A bio submitted while or after the device is disposed, or a write or discard on a
    /// <see cref="ReadOnly"/> device, ends with <see cref="BlkStatus.IoError"/> and EBADF.
    /// Thread-safe.
    /// </summary>
    public void Submit(Bio bio)
    {
        ArgumentNullException.ThrowIfNull(bio);
        SubmitTo(_engine, bio);
    }

    /// <summary>Hands the bio to <paramref name="engine"/> (the device's own, or the inline one of <see cref="Inline"/>) unless the device is closing.</summary>
    private void SubmitTo(IFileEngine engine, Bio bio)
    {
        // Dispose waits for the submitters in here (blk_queue_enter against a queue freeze):
        // a bio either sees the device disposed, or reaches the engine before the engine
        // stops. Without this a bio that passed the check as Dispose began could land in a
        // stopped engine's queue and never end. Refused bios end outside, so that a
        // continuation run inline that disposes the device does not wait for itself.
        bool refused = OnSoleSubmitterThread() ? SubmitAsSoleSubmitter(engine, bio) : SubmitCounted(engine, bio);
        if (refused)
        {
            bio.Complete(BlkStatus.IoError, Errno.EBADF);
        }
    }

    private bool SubmitCounted(IFileEngine engine, Bio bio)
    {
        Interlocked.Increment(ref _submitters);
        try
        {
            return SubmitUnlessRefused(engine, bio, onRingOwner: false);
        }
        finally
        {
            Interlocked.Decrement(ref _submitters);
        }
    }

    /// <summary>
    /// Dekker's handshake with Close, made asymmetric: this side stores its mark and then
    /// reads <c>_disposed</c> with no fence between; Close stores <c>_disposed</c>, then runs
    /// a barrier on every thread of the process (membarrier), then reads the mark. So either
    /// this call sees the device disposed, or Close sees the mark and waits for it to clear.
    /// </summary>
    private bool SubmitAsSoleSubmitter(IFileEngine engine, Bio bio)
    {
        // A count, not a flag: a continuation run inline may submit again from inside.
        Volatile.Write(ref _soleSubmitterInside, _soleSubmitterInside + 1);
        try
        {
            // The sole submitter of a ring is its owner (see OnSoleSubmitterThread).
            return SubmitUnlessRefused(engine, bio, onRingOwner: true);
        }
        finally
        {
            Volatile.Write(ref _soleSubmitterInside, _soleSubmitterInside - 1);
        }
    }

    private bool SubmitUnlessRefused(IFileEngine engine, Bio bio, bool onRingOwner)
    {
        bool refused = Volatile.Read(ref _disposed) != 0 || (ReadOnly && bio.Op is BioOp.Write or BioOp.Discard);
        if (!refused)
        {
            // The io_uring engine by its sealed type: no interface dispatch per bio, and no
            // second ask of the thread's id where the caller already knows it owns the ring.
            if (engine is IoUringEngine ring)
            {
                if (onRingOwner && ring == _engine)
                {
                    ring.SubmitOnOwner(bio);
                }
                else
                {
                    ring.Submit(bio);
                }
            }
            else
            {
                engine.Submit(bio);
            }
        }
        return refused;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool OnSoleSubmitterThread()
    {
        if (_engine is IoUringEngine ring)
        {
            return ring.IsOwnerThread;
        }
        int me = CurrentThread.Id;
        int sole = Volatile.Read(ref _soleSubmitterThread);
        return sole == me || (sole == 0 && Interlocked.CompareExchange(ref _soleSubmitterThread, me, 0) == 0);
    }

    /// <summary>
    /// With <see cref="FileDeviceOptions.PolledCompletions"/>: submits what is queued and ends
    /// completed bios on this thread, waiting for at least <paramref name="minComplete"/> (no
    /// more than are in flight), and every other completion already there. Returns the bios
    /// ended. Only the ring's owner may poll.
    /// </summary>
    /// <exception cref="InvalidOperationException">The device was not opened with
    /// <see cref="FileDeviceOptions.PolledCompletions"/> on io_uring (its completions arrive by themselves).</exception>
    public int Poll(int minComplete = 1) => Poll(minComplete, int.MaxValue);

    /// <summary>
    /// As <see cref="Poll(int)"/>, taking no more than <paramref name="maxComplete"/> completions
    /// (at least <paramref name="minComplete"/>): the others stay in the ring for the next poll,
    /// which takes them without a system call. fio's iodepth_batch_complete_max: a caller that
    /// resubmits as it reaps (1 and 1, fio's default) puts each request back in flight before
    /// it handles the next completion, rather than after the whole batch.
    /// </summary>
    public int Poll(int minComplete, int maxComplete) => PolledRing("its completions arrive by themselves").Poll(minComplete, maxComplete);

    /// <summary>
    /// With <see cref="FileDeviceOptions.PolledCompletions"/>: submits what is queued, with no
    /// wait and no reaping (completions are left for the next <see cref="Poll(int)"/>). Returns the
    /// requests submitted. Only the ring's owner may commit.
    /// </summary>
    public int Commit() => PolledRing("its requests go out by themselves").Commit();

    /// <summary>
    /// With <see cref="FileDeviceOptions.PolledCompletions"/>: the completions the next
    /// <see cref="Poll(int)"/> would take without a system call (liburing's io_uring_cq_ready), as
    /// of the last <see cref="Poll(int)"/> or <see cref="Commit"/>: a caller that batches its reaps
    /// can take these at once and sleep only when there are none.
    /// </summary>
    /// <exception cref="InvalidOperationException">The device was not opened with
    /// <see cref="FileDeviceOptions.PolledCompletions"/> on io_uring.</exception>
    public int CompletionsReady => PolledRing("its completions arrive by themselves").CompletionsReady;

    private IoUringEngine PolledRing(string otherwise) => _engine is IoUringEngine { IsPolled: true } ring ? ring : ThrowNotPolled(otherwise);

    [DoesNotReturn]
    private IoUringEngine ThrowNotPolled(string otherwise) =>
        throw new InvalidOperationException($"'{Path}' was not opened with PolledCompletions on the io_uring engine: {otherwise}.");

    /// <summary>Whether bios end only inside <see cref="Poll(int)"/> (a polled io_uring device).</summary>
    public bool IsPolled => _engine is IoUringEngine { IsPolled: true };

    /// <summary>
    /// Sets a regular file's size (ftruncate): <see cref="Capacity"/> follows. Block devices
    /// cannot be resized. Not synchronized with I/O in flight past the new end.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: a block device. ftruncate's errno
    /// otherwise (EFBIG past the file system's largest file, EBADF on a read-only open, ...).</exception>
    public void SetLength(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (IsBlockDevice)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"'{Path}' is a block device: its size is fixed");
        }
        Errors.Check(Interop.Ftruncate(_fd, length), "ftruncate", Path);
        Volatile.Write(ref _size, length);
    }

    /// <summary>The path, which is what messages about the device name it by.</summary>
    public override string ToString() => $"'{Path}'";

    /// <summary>Re-reads the size from the kernel (after another process changed the file).</summary>
    public long RefreshCapacity()
    {
        long size = IsBlockDevice ? BlockDeviceInfo.Query(_fd, Path).SizeBytes : StatxInfo.Get(_fd, Path).Size;
        Volatile.Write(ref _size, size);
        return size;
    }

    /// <summary>
    /// Waits for every request in flight to end (memory under I/O is never freed), then closes.
    /// From any number of threads at once: every call returns only when no request can touch
    /// memory any more. On the engine's own thread (a continuation run inline, with
    /// InlineCompletions) waiting would wait for itself: that call throws
    /// <see cref="InvalidOperationException"/> and changes nothing — use
    /// <see cref="DisposeAsync"/> there, which finishes on another thread.
    /// </summary>
    public void Dispose()
    {
        if (_closed.Task.IsCompletedSuccessfully)
        {
            return;
        }
        if (_engine.IsEngineThread)
        {
            ThrowHelper.ThrowMisuse($"Dispose of '{Path}' on its engine's completion thread (a continuation run inline) would wait for itself: " +
                "the requests it must wait for end on this thread. Use DisposeAsync there (it finishes on another thread), or dispose from outside the continuation.");
        }
        _engine.CheckDisposeThread();
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            // Another thread is closing: return when it has, not before (its requests may still write into the caller's memory).
            _closed.Task.GetAwaiter().GetResult();
            return;
        }
        try
        {
            Close();
            _closed.TrySetResult();
        }
        catch (Exception e)
        {
            _closed.TrySetException(e);
            throw;
        }
    }

    /// <summary>
    /// As <see cref="Dispose"/>, awaiting instead of blocking: the returned task completes when
    /// nothing is in flight any more and the file is closed, and no thread waits meanwhile
    /// (each engine's threads signal when they have ended what they held). From the engine's own thread too
    /// (a continuation run inline): the ring ends its requests after the continuation returns.
    /// A polled ring is drained by its owner, as <see cref="Dispose"/> does, in the call.
    /// </summary>
    public ValueTask DisposeAsync()
    {
        if (_closed.Task.IsCompleted)
        {
            return new ValueTask(_closed.Task);
        }
        _engine.CheckDisposeThread();
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return new ValueTask(_closed.Task);
        }
        return CloseAsync();
    }

    private async ValueTask CloseAsync()
    {
        try
        {
            WaitForSubmitters();
            await _engine.StopAsync().ConfigureAwait(false);
            CloseDescriptor();
            _closed.TrySetResult();
        }
        catch (Exception e)
        {
            _closed.TrySetException(e);
            throw;
        }
    }

    private void Close()
    {
        WaitForSubmitters();
        _engine.Dispose();
        CloseDescriptor();
    }

    /// <summary>Returns once no bio is between Submit's check of <c>_disposed</c> and its engine (a short spin: nothing waits for I/O in there).</summary>
    private void WaitForSubmitters()
    {
        // Pairs with the increment-then-check in Submit: both sides use full fences, so
        // either that Submit sees _disposed or this loop sees it in flight. The sole
        // submitter's mark has no fence of its own: the process-wide barrier is its fence.
        Interlocked.MemoryBarrierProcessWide();
        SpinWait spin = default;
        while (Volatile.Read(ref _submitters) != 0 || Volatile.Read(ref _soleSubmitterInside) != 0)
        {
            spin.SpinOnce();
        }
    }

    /// <summary>After the engine stopped: nothing can use the descriptor or the pool any more.</summary>
    private void CloseDescriptor()
    {
        _fd.Dispose();
        ReleaseExternalHandle();
        BufferPool?.Dispose();
    }

    /// <summary>A write that ended past the file's size extended it.</summary>
    internal void NoteWritten(long end)
    {
        long size = Volatile.Read(ref _size);
        while (end > size && !IsBlockDevice)
        {
            long seen = Interlocked.CompareExchange(ref _size, end, size);
            if (seen == size)
            {
                return;
            }
            size = seen;
        }
    }

    /// <summary>
    /// Allocates real blocks (fallocate) so that reads of the new range reach the device
    /// instead of a hole; file systems without fallocate get a sparse extension.
    /// </summary>
    private static void Extend(FileDescriptor fd, string path, long from, long to)
    {
        int res = Interop.Fallocate(fd, 0, from, to - from);
        if (res == -(int)Errno.EOPNOTSUPP)
        {
            res = Interop.Ftruncate(fd, to);
        }
        Errors.Check(res, "fallocate", path);
    }

    /// <summary>True on a thread that ends this device's bios (the ring's owner, a sync worker), where waiting for I/O would wait for itself.</summary>
    internal bool IsCompletionThread => _engine.IsEngineThread || (_engine is IoUringEngine ring && ring.IsOwnerThread);

    private IFileEngine CreateEngine(FileDeviceOptions options)
    {
        if (options.Engine == IoEngine.Libaio)
        {
            return new LibaioEngine(this, options);
        }
        if (options.Engine == IoEngine.IoUring && IoUringEngine.TryCreate(this, options, out IoUringEngine? ring))
        {
            return ring;
        }
        return new SyncEngine(this, options.SyncWorkers);
    }

    private static int OpenFlags(FileDeviceOptions options)
    {
        int flags = options.ReadOnly ? Interop.O_RDONLY : Interop.O_RDWR;
        if (options.Direct)
        {
            flags |= Interop.O_DIRECT;
        }
        if (options.Create && !options.ReadOnly)
        {
            flags |= Interop.O_CREAT;
        }
        if (options.Dsync)
        {
            flags |= Interop.O_DSYNC;
        }
        return flags;
    }

    private static QueueLimits FileLimits(StatxInfo st)
    {
        // Without STATX_DIOALIGN (older kernels, tmpfs) fall back to the classic 512 rule.
        int offsetAlign = st.DioOffsetAlign > 0 ? st.DioOffsetAlign : QueueLimits.SectorSize;
        int memAlign = st.DioMemAlign > 0 ? st.DioMemAlign : QueueLimits.SectorSize;
        return new QueueLimits
        {
            LogicalBlockSize = Math.Max(QueueLimits.SectorSize, offsetAlign),
            PhysicalBlockSize = Math.Max(Math.Max(QueueLimits.SectorSize, offsetAlign), Math.Min(PageSize.Bytes, Pow2Floor(st.BlockSize))),
            MaxSectorsBytes = FileMaxBioBytes,
            MaxSegments = FileMaxSegments,
            MaxSegmentSize = FileMaxSegmentSize,
            DmaAlignment = Math.Min(PageSize.Bytes, memAlign),
            MaxDiscardBytes = FileMaxDiscardBytes,
            // Holes are whole file-system blocks: a punch off them only zeroes.
            DiscardGranularity = Math.Min(FileMaxDiscardBytes, Math.Max(Math.Max(QueueLimits.SectorSize, offsetAlign), Pow2Floor(st.BlockSize))),
        };
    }

    /// <summary>
    /// The limits of a request over the device's O_DIRECT descriptor, which is this device's
    /// queue: what one kernel bio of user pages carries. The alignment facts (logical block,
    /// dma_alignment) come from sysfs, because block/fops.c refuses what breaks them; the size
    /// and segment limits do not: the kernel fills one bio of up to BIO_MAX_VECS pages and
    /// splits it below itself by the queue's max_sectors_kb and max_segments (bio_split_to_limits),
    /// as it does for fio's request. Splitting above by those would cost an SQE, a syscall share
    /// and, for a piece io_uring cannot issue without waiting, an io-wq hop per piece — zram's
    /// max_sectors_kb of 124 made every 128 KiB request two. A larger request is two bios in the
    /// kernel, which io_uring's IOCB_NOWAIT issue refuses (EAGAIN, then a worker): the cap.
    /// </summary>
    private static QueueLimits BlockDeviceLimits(FileDescriptor fd, string path)
    {
        BlockDeviceInfo info = BlockDeviceInfo.Query(fd, path);
        BlockQueueInfo q = info.Queue;
        int logical = info.LogicalBlockSize;
        return new QueueLimits
        {
            LogicalBlockSize = logical,
            PhysicalBlockSize = Math.Max(logical, info.PhysicalBlockSize),
            MaxSectorsBytes = Math.Max(PageSize.Bytes, KernelBioMaxBytes / logical * logical),
            MaxSegments = KernelBioMaxVecs,
            MaxSegmentSize = KernelBioMaxBytes,
            DmaAlignment = Math.Min(PageSize.Bytes, (q.DmaAlignment ?? (QueueLimits.SectorSize - 1)) + 1),
            MaxDiscardBytes = DiscardBytes(q, logical, out int granularity),
            DiscardGranularity = granularity,
        };
    }

    /// <summary>
    /// discard_max_bytes rounded down to the granularity (a loop device's 4 GiB - 512 becomes
    /// 2 GiB - 4 KiB: a bio's size is an int); 0 with no granularity when the device cannot discard.
    /// </summary>
    private static int DiscardBytes(BlockQueueInfo q, int logical, out int granularity)
    {
        granularity = Math.Max(logical, q.DiscardGranularity ?? 0);
        if (granularity % logical != 0)
        {
            granularity = logical;
        }
        int max = (q.DiscardMaxBytes ?? 0) / granularity * granularity;
        if (max == 0)
        {
            granularity = 0;
        }
        return max;
    }

    private static int Pow2Floor(int value) => value <= 0 ? QueueLimits.SectorSize : 1 << (31 - int.LeadingZeroCount(value));
}

/// <summary>How a <see cref="FileDevice"/> moves its bios.</summary>
internal interface IFileEngine : IDisposable
{
    bool UsesFixedBuffers { get; }

    /// <summary>Bios taken and not yet ended: 0 once nothing the engine holds can touch memory.</summary>
    int Pending { get; }

    /// <summary>True on a thread of the engine's own, where waiting for its requests would wait for itself.</summary>
    bool IsEngineThread { get; }

    /// <summary>Throws, changing nothing, when this thread cannot end what is in flight (a polled ring owned by another thread).</summary>
    void CheckDisposeThread();

    /// <summary>Takes the bio; ends it exactly once, from the engine's thread.</summary>
    void Submit(Bio bio);

    /// <summary>
    /// As <see cref="IDisposable.Dispose"/>, completing when every bio taken has ended and the
    /// engine's resources are freed. By default it is Dispose, which blocks the caller.
    /// </summary>
    ValueTask StopAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
