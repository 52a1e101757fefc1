// Follows fs/iomap/direct-io.c (__iomap_dio_rw) and block/fops.c (__blkdev_direct_IO).
using System.Runtime.CompilerServices;
using PinIo.Block;
using PinIo.Diagnostics;
using PinIo.Iov;
using PinIo.Mm;

namespace PinIo.Fs;

/// <summary>
/// Direct I/O over a block device: checks the request against the device's limits, splits it
/// into as many bios as the limits demand, puts them all in flight at once, and completes
/// when the last ends. Returns the bytes transferred: fewer than asked at the end of the
/// device, or when a bio fails after earlier ones succeeded (the bytes before the first
/// failure in file order); an error only when nothing was transferred. On return the
/// iterator has advanced by exactly the bytes reported. Every page taken is released on every
/// path.
/// </summary>
public static partial class DirectIo
{
    /// <summary>
    /// __blkdev_direct_IO for a read: fills <paramref name="iter"/> (a <see cref="IterDirection.Dest"/>)
    /// from the device at byte <paramref name="offset"/>. The request is split into bios within
    /// <see cref="IBlockDevice.Limits"/>, all put in flight at once; pages are taken by the
    /// iterator's kind (pinned for Iovec/Pipe, untouched for Kvec/Bvec) and released when each
    /// bio ends, dirtied first. Returns the bytes read: fewer at the end of the device (0 at or
    /// past it), or the bytes before the first failed bio when a later one failed; the iterator
    /// has advanced by exactly that.
    /// The cancellation token is checked before each bio is submitted: bios already in flight
    /// finish, and the bytes they moved are returned; with none, the request throws. Argument,
    /// alignment and cancellation errors are thrown by the call, before any bio is submitted;
    /// device errors come through the returned task. No page stays pinned on any path.
    /// </summary>
    /// <param name="device">The device; its limits decide alignment and splitting.</param>
    /// <param name="offset">Byte offset on the device, a multiple of <see cref="QueueLimits.LogicalBlockSize"/>.</param>
    /// <param name="iter">The memory side; its <see cref="IovIter.Count"/> (the length) must be a multiple of the logical block size.</param>
    /// <param name="ct">Stops submitting further bios.</param>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: the offset or length is not a
    /// multiple of the logical block size, the memory does not fit <see cref="QueueLimits.DmaAlignment"/>
    /// (without <see cref="DirectIoFlags.BounceMisaligned"/>), or the iterator's direction is wrong.
    /// <see cref="Errno.EFAULT"/>: a <see cref="IterKind.Discard"/> iterator.
    /// <see cref="Errno.EIO"/> and the device's own errno: the first bio failed.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before any byte moved.</exception>
    public static ValueTask<long> ReadAsync(IBlockDevice device, long offset, IovIter iter, CancellationToken ct = default) =>
        RwAsync(device, BioOp.Read, offset, iter, DirectIoFlags.None, ct);

    /// <summary>
    /// __blkdev_direct_IO for a read: fills <paramref name="iter"/> (a <see cref="IterDirection.Dest"/>)
    /// from the device at byte <paramref name="offset"/>. The request is split into bios within
    /// <see cref="IBlockDevice.Limits"/>, all put in flight at once; pages are taken by the
    /// iterator's kind (pinned for Iovec/Pipe, untouched for Kvec/Bvec) and released when each
    /// bio ends, dirtied first. Returns the bytes read: fewer at the end of the device (0 at or
    /// past it), or the bytes before the first failed bio when a later one failed; the iterator
    /// has advanced by exactly that.
    /// The cancellation token is checked before each bio is submitted: bios already in flight
    /// finish, and the bytes they moved are returned; with none, the request throws. Argument,
    /// alignment and cancellation errors are thrown by the call, before any bio is submitted;
    /// device errors come through the returned task. No page stays pinned on any path.
    /// </summary>
    /// <param name="device">The device; its limits decide alignment and splitting.</param>
    /// <param name="offset">Byte offset on the device, a multiple of <see cref="QueueLimits.LogicalBlockSize"/>.</param>
    /// <param name="iter">The memory side; its <see cref="IovIter.Count"/> (the length) must be a multiple of the logical block size.</param>
    /// <param name="flags"><see cref="DirectIoFlags.BounceMisaligned"/> to copy misaligned memory instead of failing; <see cref="DirectIoFlags.InlineCompletion"/> to continue on the completing thread.</param>
    /// <param name="ct">Stops submitting further bios.</param>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: the offset or length is not a
    /// multiple of the logical block size, the memory does not fit <see cref="QueueLimits.DmaAlignment"/>
    /// (without <see cref="DirectIoFlags.BounceMisaligned"/>), or the iterator's direction is wrong.
    /// <see cref="Errno.EFAULT"/>: a <see cref="IterKind.Discard"/> iterator.
    /// <see cref="Errno.EIO"/> and the device's own errno: the first bio failed.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before any byte moved.</exception>
    public static ValueTask<long> ReadAsync(IBlockDevice device, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct = default) =>
        RwAsync(device, BioOp.Read, offset, iter, flags, ct);

    /// <summary>
    /// __blkdev_direct_IO for a write: stores <paramref name="iter"/> (a <see cref="IterDirection.Source"/>)
    /// on the device at byte <paramref name="offset"/>. The request is split into bios within
    /// <see cref="IBlockDevice.Limits"/>, all put in flight at once; pages are taken by the
    /// iterator's kind and released when each bio ends. Durable only after
    /// <see cref="FlushAsync"/>. Returns the bytes written: cut short where the request crosses
    /// the end of a device that cannot grow, or the bytes before the first failed bio when a later
    /// one failed; the iterator has advanced by exactly that.
    /// The cancellation token is checked before each bio is submitted: bios already in flight
    /// finish, and the bytes they moved are returned; with none, the request throws. Argument,
    /// alignment and cancellation errors are thrown by the call, before any bio is submitted;
    /// device errors come through the returned task. No page stays pinned on any path.
    /// </summary>
    /// <param name="device">The device; its limits decide alignment and splitting.</param>
    /// <param name="offset">Byte offset on the device, a multiple of <see cref="QueueLimits.LogicalBlockSize"/>.</param>
    /// <param name="iter">The memory side; its <see cref="IovIter.Count"/> (the length) must be a multiple of the logical block size.</param>
    /// <param name="ct">Stops submitting further bios.</param>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: the offset or length is not a
    /// multiple of the logical block size, the memory does not fit <see cref="QueueLimits.DmaAlignment"/>
    /// (without <see cref="DirectIoFlags.BounceMisaligned"/>), or the iterator's direction is wrong.
    /// <see cref="Errno.EFAULT"/>: a <see cref="IterKind.Discard"/> iterator.
    /// <see cref="Errno.ENOSPC"/> (a device that cannot grow) or <see cref="Errno.EFBIG"/> (a file
    /// at its largest size): the write starts at or past the end.
    /// <see cref="Errno.EIO"/> and the device's own errno: the first bio failed.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before any byte moved.</exception>
    public static ValueTask<long> WriteAsync(IBlockDevice device, long offset, IovIter iter, CancellationToken ct = default) =>
        RwAsync(device, BioOp.Write, offset, iter, DirectIoFlags.None, ct);

    /// <summary>
    /// __blkdev_direct_IO for a write: stores <paramref name="iter"/> (a <see cref="IterDirection.Source"/>)
    /// on the device at byte <paramref name="offset"/>. The request is split into bios within
    /// <see cref="IBlockDevice.Limits"/>, all put in flight at once; pages are taken by the
    /// iterator's kind and released when each bio ends. Durable only after
    /// <see cref="FlushAsync"/>. Returns the bytes written: cut short where the request crosses
    /// the end of a device that cannot grow, or the bytes before the first failed bio when a later
    /// one failed; the iterator has advanced by exactly that.
    /// The cancellation token is checked before each bio is submitted: bios already in flight
    /// finish, and the bytes they moved are returned; with none, the request throws. Argument,
    /// alignment and cancellation errors are thrown by the call, before any bio is submitted;
    /// device errors come through the returned task. No page stays pinned on any path.
    /// </summary>
    /// <param name="device">The device; its limits decide alignment and splitting.</param>
    /// <param name="offset">Byte offset on the device, a multiple of <see cref="QueueLimits.LogicalBlockSize"/>.</param>
    /// <param name="iter">The memory side; its <see cref="IovIter.Count"/> (the length) must be a multiple of the logical block size.</param>
    /// <param name="flags"><see cref="DirectIoFlags.BounceMisaligned"/> to copy misaligned memory instead of failing; <see cref="DirectIoFlags.InlineCompletion"/> to continue on the completing thread.</param>
    /// <param name="ct">Stops submitting further bios.</param>
    /// <exception cref="DirectIoException"><see cref="Errno.EINVAL"/>: the offset or length is not a
    /// multiple of the logical block size, the memory does not fit <see cref="QueueLimits.DmaAlignment"/>
    /// (without <see cref="DirectIoFlags.BounceMisaligned"/>), or the iterator's direction is wrong.
    /// <see cref="Errno.EFAULT"/>: a <see cref="IterKind.Discard"/> iterator.
    /// <see cref="Errno.ENOSPC"/> (a device that cannot grow) or <see cref="Errno.EFBIG"/> (a file
    /// at its largest size): the write starts at or past the end.
    /// <see cref="Errno.EIO"/> and the device's own errno: the first bio failed.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before any byte moved.</exception>
    public static ValueTask<long> WriteAsync(IBlockDevice device, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct = default) =>
        RwAsync(device, BioOp.Write, offset, iter, flags, ct);

    /// <summary>As <see cref="ReadAsync(IBlockDevice, long, IovIter, DirectIoFlags, CancellationToken)"/>, every bio of the request carrying <paramref name="priority"/> to the device (kiocb->ki_ioprio to bio->bi_ioprio).</summary>
    /// <exception cref="DirectIoException">As <see cref="ReadAsync(IBlockDevice, long, IovIter, DirectIoFlags, CancellationToken)"/>.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before any byte moved.</exception>
    public static ValueTask<long> ReadAsync(IBlockDevice device, long offset, IovIter iter, DirectIoFlags flags, IoPriority priority, CancellationToken ct = default) =>
        RwAsync(device, BioOp.Read, offset, iter, flags, ct, priority);

    /// <summary>As <see cref="WriteAsync(IBlockDevice, long, IovIter, DirectIoFlags, CancellationToken)"/>, every bio of the request carrying <paramref name="priority"/>.</summary>
    /// <exception cref="DirectIoException">As <see cref="WriteAsync(IBlockDevice, long, IovIter, DirectIoFlags, CancellationToken)"/>.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before any byte moved.</exception>
    public static ValueTask<long> WriteAsync(IBlockDevice device, long offset, IovIter iter, DirectIoFlags flags, IoPriority priority, CancellationToken ct = default) =>
        RwAsync(device, BioOp.Write, offset, iter, flags, ct, priority);

    /// <summary>
    /// blkdev_issue_flush(): sends a flush bio; everything the device acknowledged before it is
    /// durable when the returned task completes. Once submitted it runs to its end (the token is
    /// checked only before).
    /// </summary>
    /// <exception cref="DirectIoException">The flush bio failed: EIO, EBADF (the device is disposed),
    /// EOPNOTSUPP, ... with what to change.</exception>
    /// <exception cref="DirectIoCanceledException"><paramref name="ct"/> fired before the flush was submitted.</exception>
    public static ValueTask FlushAsync(IBlockDevice device, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        ThrowIfCanceled(BioOp.Flush, 0, ct);
        var done = new FlushCompletion(PinIoMetrics.RequestStarting(IoDirection.Flush));
        Bio bio = BioPool.Rent(BioOp.Flush, 0, device.Limits);
        bio.Private = done;
        bio.EndIo = static b =>
        {
            var tcs = (FlushCompletion)b.Private!;
            BlkStatus status = b.Status;
            Errno errno = b.Error;
            BioPool.Return(b);
            PinIoMetrics.RequestEnded(IoDirection.Flush, tcs.MeterStarted, 0, status == BlkStatus.Ok ? Errno.None : status.ToErrno(errno));
            if (status == BlkStatus.Ok)
            {
                tcs.SetResult();
            }
            else
            {
                tcs.SetException(FlushFailure(status, errno));
            }
        };
        SubmitOrFail(device, bio);
        return new ValueTask(done.Task);
    }

    /// <summary>A flush's completion, carrying when it started for the metrics.</summary>
    private sealed class FlushCompletion(long meterStarted) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public long MeterStarted { get; } = meterStarted;
    }

    private static ValueTask<long> RwAsync(IBlockDevice device, BioOp op, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct, IoPriority priority = default)
    {
        using UserMemoryHold hold = HoldWhereBounceDecides(iter, flags);
        return Prepare(device, op, offset, iter, flags, ct, out QueueLimits limits, out long hidden, out long reportLimit) switch
        {
            Route.Nothing => new ValueTask<long>(0),
            Route.Bounce => BounceAsync(device, op, offset, iter, hidden, reportLimit, flags, ct, priority),
            _ => SubmitMapped(device, limits, op, offset, iter, hidden, reportLimit, flags, ct, priority: priority),
        };
    }

    /// <summary>
    /// With bouncing on, the alignment check picks the route, and a managed buffer the GC moves
    /// between that check and the bio's pin would reach the kernel misaligned (EINVAL instead of
    /// a bounce): its memory is held still from the check until every bio has pinned its pages.
    /// Without bouncing, misaligned memory is the caller's error either way.
    /// </summary>
    internal static UserMemoryHold HoldWhereBounceDecides(IovIter iter, DirectIoFlags flags) =>
        (flags & DirectIoFlags.BounceMisaligned) != 0 && iter is not null ? iter.HoldUserMemory() : default;

    /// <summary>
    /// A request of at most <see cref="int.MaxValue"/> bytes (DirectFile's one-buffer calls),
    /// awaited straight on its <see cref="DioRequest"/>: no async frame of its own between
    /// the caller and the device. <paramref name="completionHook"/> runs once when the request
    /// ends, whichever way, before the result is delivered; every failure, a refused request's
    /// included, comes back in the ValueTask.
    /// </summary>
    internal static ValueTask<int> RwIntAsync(IBlockDevice device, BioOp op, long offset, IovIter iter, DirectIoFlags flags, IDioCompletionHook completionHook, CancellationToken ct)
    {
        using UserMemoryHold hold = HoldWhereBounceDecides(iter, flags);
        Route route;
        QueueLimits limits;
        long hidden, reportLimit;
        try
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(iter.Count, int.MaxValue, nameof(iter));
            route = Prepare(device, op, offset, iter, flags, ct, out limits, out hidden, out reportLimit);
        }
        catch (Exception e)
        {
            completionHook.OnDioComplete();
            return ValueTask.FromException<int>(e);
        }
        switch (route)
        {
            case Route.Nothing:
                completionHook.OnDioComplete();
                return new ValueTask<int>(0);
            case Route.Bounce:
                return BounceIntAsync(device, op, offset, iter, hidden, reportLimit, flags, completionHook, ct);
            default:
                DioRequest dio = SubmitBios(device, limits, op, offset, iter, hidden, reportLimit, flags, completionHook, priority: default, ct);
                if (!dio.ReleaseSubmitter())
                {
                    return new ValueTask<int>(dio, dio.Version);
                }
                try
                {
                    return new ValueTask<int>((int)dio.ConsumeResult());
                }
                catch (Exception e)
                {
                    return ValueTask.FromException<int>(e);
                }
        }
    }

    /// <summary>The bounced request of <see cref="RwIntAsync"/>, its hook run when it ends (misaligned memory: not the fast path).</summary>
    private static async ValueTask<int> BounceIntAsync(IBlockDevice device, BioOp op, long offset, IovIter iter, long hidden, long reportLimit, DirectIoFlags flags, IDioCompletionHook completionHook, CancellationToken ct)
    {
        try
        {
            return (int)await BounceAsync(device, op, offset, iter, hidden, reportLimit, flags, ct, priority: default).ConfigureAwait(false);
        }
        finally
        {
            completionHook.OnDioComplete();
        }
    }

    /// <summary>Where a checked request goes: nowhere (nothing to transfer), through bounce pages, or straight to the device.</summary>
    private enum Route
    {
        Nothing,
        Bounce,
        Mapped,
    }

    /// <summary>Every check before a request is mapped; clamps the iterator at the device's end (the bytes hidden are given back when it ends).</summary>
    private static Route Prepare(IBlockDevice device, BioOp op, long offset, IovIter iter, DirectIoFlags flags, CancellationToken ct, out QueueLimits limits, out long hidden, out long reportLimit)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(iter);
        limits = QueueLimits.Default;
        hidden = 0;
        reportLimit = long.MaxValue;
        CheckDirection(op, iter);
        if (iter.Count == 0)
        {
            return Route.Nothing;
        }
        if (iter.Kind == IterKind.Discard)
        {
            ThrowHelper.ThrowDirectIo(Errno.EFAULT, $"{op} into a Discard iterator: Direct I/O needs memory to transfer into");
        }
        limits = device.Limits;
        CheckBlockAlignment(op, offset, iter.Count, limits);
        ThrowIfCanceled(op, offset, ct);
        hidden = ClampToDevice(device, limits, op, offset, iter, out reportLimit);
        if (iter.Count == 0)
        {
            // A read at or past the end: nothing transferred, the iterator as it was.
            iter.Reexpand(hidden);
            return Route.Nothing;
        }
        if (BlkMap.CanMap(iter, limits))
        {
            return Route.Mapped;
        }
        if ((flags & DirectIoFlags.BounceMisaligned) == 0)
        {
            iter.Reexpand(iter.Count + hidden);
            ThrowMisalignedMemory(op, limits);
        }
        return Route.Bounce;
    }

    /// <summary>
    /// The checks every Direct I/O request passes before anything is mapped or taken, for the
    /// file-system paths (IomapDio, LegacyDirectIo) that call into this one per extent:
    /// direction, a Discard iterator (EFAULT), the logical-block alignment of the file offset
    /// and length. Returns whether the memory must go through bounce pages (EINVAL when it
    /// does not fit the device and bouncing is off).
    /// </summary>
    internal static bool CheckFileRequest(BioOp op, long offset, IovIter iter, QueueLimits limits, DirectIoFlags flags)
    {
        ArgumentNullException.ThrowIfNull(iter);
        CheckDirection(op, iter);
        if (iter.Kind == IterKind.Discard)
        {
            ThrowHelper.ThrowDirectIo(Errno.EFAULT, $"{op} into a Discard iterator: Direct I/O needs memory to transfer into");
        }
        CheckBlockAlignment(op, offset, iter.Count, limits);
        if (BlkMap.CanMap(iter, limits))
        {
            return false;
        }
        if ((flags & DirectIoFlags.BounceMisaligned) == 0)
        {
            ThrowMisalignedMemory(op, limits);
        }
        return true;
    }

    /// <summary>
    /// Transfers the whole iterator (already checked) at <paramref name="deviceOffset"/>: the
    /// bios of one extent of a file. Returns the bytes before the first failure, with the
    /// iterator advanced by exactly that; throws when nothing was transferred.
    /// </summary>
    internal static ValueTask<long> TransferAsync(IBlockDevice device, BioOp op, long deviceOffset, IovIter iter, bool bounce, DirectIoFlags flags, CancellationToken ct)
    {
        // Memory already bounced is copied, never pinned: nothing to hold still.
        using UserMemoryHold hold = bounce ? default : HoldWhereBounceDecides(iter, flags);
        return bounce || MovedOutOfAlignment(device, iter, flags)
            ? BounceAsync(device, op, deviceOffset, iter, 0, long.MaxValue, flags, ct)
            : SubmitMapped(device, device.Limits, op, deviceOffset, iter, 0, long.MaxValue, flags, ct);
    }

    /// <summary>
    /// <see cref="TransferAsync"/> for memory that fits the device, with
    /// <paramref name="completionHook"/> run once when the request ends, whichever way it ends,
    /// before its result is delivered. Once it returns, the hook is the request's: a failure
    /// comes back in the ValueTask, never as a throw (a throw means the hook was not taken).
    /// </summary>
    internal static ValueTask<long> TransferMappedAsync(IBlockDevice device, BioOp op, long deviceOffset, IovIter iter, DirectIoFlags flags, IDioCompletionHook completionHook, CancellationToken ct)
    {
        using UserMemoryHold hold = HoldWhereBounceDecides(iter, flags);
        return MovedOutOfAlignment(device, iter, flags)
            ? BounceHookedAsync(device, op, deviceOffset, iter, flags, completionHook, ct)
            : SubmitMapped(device, device.Limits, op, deviceOffset, iter, 0, long.MaxValue, flags, ct, completionHook);
    }

    /// <summary>
    /// A file's request checked its memory once (<see cref="CheckFileRequest"/>) and transfers it
    /// extent by extent, later: managed memory the GC moved since may no longer fit the device.
    /// Checked again under the hold, when bouncing is on, so that it bounces instead of failing.
    /// </summary>
    private static bool MovedOutOfAlignment(IBlockDevice device, IovIter iter, DirectIoFlags flags) =>
        (flags & DirectIoFlags.BounceMisaligned) != 0 && !BlkMap.CanMap(iter, device.Limits);

    /// <summary>A bounced <see cref="TransferMappedAsync"/>, its hook run when it ends.</summary>
    private static async ValueTask<long> BounceHookedAsync(IBlockDevice device, BioOp op, long deviceOffset, IovIter iter, DirectIoFlags flags, IDioCompletionHook completionHook, CancellationToken ct)
    {
        try
        {
            return await BounceAsync(device, op, deviceOffset, iter, 0, long.MaxValue, flags, ct).ConfigureAwait(false);
        }
        finally
        {
            completionHook.OnDioComplete();
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowMisalignedMemory(BioOp op, QueueLimits limits) =>
        ThrowHelper.ThrowDirectIo(Errno.EINVAL,
            $"{op} memory is not aligned to the device's DmaAlignment of {limits.DmaAlignment} bytes (every buffer's address and length " +
            $"must be a multiple of it): use DirectFile.AllocateBuffer or aligned memory, or turn on bouncing of misaligned memory");

    /// <summary>Builds and submits every bio of a request whose memory fits the device.</summary>
    private static ValueTask<long> SubmitMapped(IBlockDevice device, QueueLimits limits, BioOp op, long offset, IovIter iter, long hidden, long reportLimit, DirectIoFlags flags, CancellationToken ct, IDioCompletionHook? completionHook = null, IoPriority priority = default)
    {
        DioRequest dio = SubmitBios(device, limits, op, offset, iter, hidden, reportLimit, flags, completionHook, priority, ct);
        if (!dio.ReleaseSubmitter())
        {
            return new ValueTask<long>(dio, dio.Version);
        }
        if (completionHook is null)
        {
            return new ValueTask<long>(dio.ConsumeResult());
        }
        // The hook has run: the failure travels in the result, so that a throw out of this call
        // always means the hook was never taken.
        try
        {
            return new ValueTask<long>(dio.ConsumeResult());
        }
        catch (Exception e)
        {
            return ValueTask.FromException<long>(e);
        }
    }

    /// <summary>
    /// Puts every bio of the request in flight; the submitter's reference on the returned request
    /// is still held. <paramref name="limits"/> are the device's, as the request's checks read them.
    /// </summary>
    private static DioRequest SubmitBios(IBlockDevice device, QueueLimits limits, BioOp op, long offset, IovIter iter, long hidden, long reportLimit, DirectIoFlags flags, IDioCompletionHook? completionHook, IoPriority priority, CancellationToken ct, DioCompletion? completion = null)
    {
        DioRequest dio = DioRequest.Rent(op, offset, iter, hidden, reportLimit, (flags & DirectIoFlags.InlineCompletion) != 0, completionHook, completion);
        while (iter.Count > 0)
        {
            if (ct.IsCancellationRequested)
            {
                dio.FailSubmission(dio.Submitted, CanceledException(op, offset + dio.Submitted, ct));
                break;
            }
            Bio bio = dio.RentBio(op, (offset + dio.Submitted) / QueueLimits.SectorSize, limits);
            bio.Priority = priority;
            if (!TryFill(bio, iter, dio))
            {
                break;
            }
            dio.AddBio(bio);
            SubmitOrFail(device, bio);
        }
        dio.CancelInFlightOn(device, ct);
        return dio;
    }

    /// <summary>Fills a bio from the iterator; on failure releases what it took and records where submission stopped.</summary>
    private static bool TryFill(Bio bio, IovIter iter, DioRequest dio)
    {
        long before = iter.Consumed;
        try
        {
            if (bio.AddPagesFrom(iter) > 0)
            {
                return true;
            }
            dio.FailSubmission(dio.Submitted, new DirectIoException(Errno.EINVAL, "a bio could take no pages from the iterator"));
        }
        catch (Exception e) when (e is DirectIoException or InvalidOperationException or ArgumentException)
        {
            dio.FailSubmission(dio.Submitted, e);
        }
        bio.ReleasePages(markDirty: false);
        dio.ReturnBio(bio);
        iter.Revert(iter.Consumed - before);
        return false;
    }

    /// <summary>submit_bio(): a device that throws instead of ending the bio gets the bio ended with an I/O error.</summary>
    internal static void SubmitOrFail(IBlockDevice device, Bio bio)
    {
        try
        {
            device.Submit(bio);
        }
        catch (Exception) when (!bio.IsCompleted)
        {
            bio.Complete(BlkStatus.IoError);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckDirection(BioOp op, IovIter iter)
    {
        if (iter.Direction != (op == BioOp.Read ? IterDirection.Dest : IterDirection.Source))
        {
            ThrowWrongDirection(op, iter);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowWrongDirection(BioOp op, IovIter iter) => ThrowHelper.ThrowDirectIo(Errno.EINVAL,
        $"a {op} needs a {(op == BioOp.Read ? IterDirection.Dest : IterDirection.Source)} iterator, not a {iter.Direction} one");

    private static void CheckBlockAlignment(BioOp op, long offset, long count, QueueLimits limits)
    {
        if (offset < 0 || limits.BlockRemainder(offset) != 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"{op} offset {offset} is not a multiple of the logical block size {limits.LogicalBlockSize}");
        }
        if (limits.BlockRemainder(count) != 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"{op} length {count} is not a multiple of the logical block size {limits.LogicalBlockSize}");
        }
    }

    /// <summary>
    /// Reads stop at the end of the device: a short read. A file's end need not fall on a
    /// block, so the read covers the block that holds it and reports only the bytes before
    /// it (<paramref name="reportLimit"/>), as iomap clamps to i_size. A write that starts at
    /// or past the end has no space (a file grows up to its largest size instead); one that
    /// crosses it is cut short (block/fops.c). Returns the bytes hidden by truncating the
    /// iterator, to be given back when the request ends.
    /// </summary>
    private static long ClampToDevice(IBlockDevice device, QueueLimits limits, BioOp op, long offset, IovIter iter, out long reportLimit)
    {
        reportLimit = long.MaxValue;
        long capacity = device.Capacity;
        if (offset + iter.Count <= capacity)
        {
            // The common case, inside the device: nothing to cut (the caller has refused an empty request).
            return 0;
        }
        // A growable device that cannot grow (a block device behind a FileDevice) ends where a
        // plain device does: a write at its end has no space (blkdev_write_iter), not EFBIG.
        // Only a write asks how far the device may grow: a read ends at the capacity.
        long end = op == BioOp.Write && device is IGrowableDevice growable ? growable.MaxCapacity : capacity;
        if (offset >= end)
        {
            if (op == BioOp.Write)
            {
                ThrowHelper.ThrowDirectIo(end > capacity ? Errno.EFBIG : Errno.ENOSPC,
                    $"write at offset {offset} is at or past the end of the device ({end} bytes)");
            }
            long all = iter.Count;
            iter.Truncate(0);
            return all;
        }
        long visible = end - offset;
        long reach = visible;
        if (op == BioOp.Read && limits.BlockRemainder(visible) is var partial and > 0)
        {
            reach += limits.LogicalBlockSize - partial;
        }
        long hidden = Math.Max(0, iter.Count - reach);
        iter.Truncate(iter.Count - hidden);
        if (op == BioOp.Read && visible < iter.Count)
        {
            reportLimit = visible;
        }
        return hidden;
    }

    internal static void ThrowIfCanceled(BioOp op, long offset, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
        {
            throw CanceledException(op, offset, ct);
        }
    }

    internal static DirectIoCanceledException CanceledException(BioOp op, long offset, CancellationToken ct) =>
        new($"{op} at offset {offset} was canceled before it was submitted", ct);

    /// <summary>The device's own errno where it gave one (EBADF: closed), else the status's.</summary>
    private static Exception FlushFailure(BlkStatus status, Errno errno)
    {
        if (errno == Errno.None)
        {
            errno = status.ToErrno();
        }
        return ThrowHelper.CreateFailure(errno, errno switch
        {
            Errno.EBADF => "flush failed: the device is closed (disposed): flush before disposing it, or open it again",
            Errno.ECANCELED => "flush was canceled by the device",
            _ => "flush failed: data acknowledged before it may not be durable",
        });
    }
}
