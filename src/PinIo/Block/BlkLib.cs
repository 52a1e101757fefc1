// Follows block/blk-lib.c (__blkdev_issue_discard, bio_discard_limit) and block/ioctl.c (blk_ioctl_discard's checks).
namespace PinIo.Block;

/// <summary>
/// Requests that name a range of a device and carry no data. <see cref="IssueDiscardAsync"/>
/// cuts a range into <see cref="BioOp.Discard"/> bios no larger than the queue's
/// <see cref="QueueLimits.MaxDiscardBytes"/>, the second and later ones starting on
/// <see cref="QueueLimits.DiscardGranularity"/>, submits them all and completes when the last ends.
/// </summary>
public static class BlkLib
{
    /// <summary>
    /// Discards [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>):
    /// afterwards the range reads as zeroes on every device PinIo opens (a RAM disk clears it, a
    /// file punches a hole, a loop device punches its backing file) — a real disk may return
    /// anything there until it is written again. Throws <see cref="DirectIoException"/>: EINVAL
    /// when the offset or length is not a multiple of the logical block size or the range
    /// passes the end; EOPNOTSUPP when the device cannot discard; the device's errno when a
    /// bio fails (the first failure in submission order wins). A token canceled before the
    /// first bio goes out throws <see cref="DirectIoCanceledException"/>; once submitted, a
    /// discard runs to its end, as a flush does.
    /// </summary>
    public static ValueTask IssueDiscardAsync(IBlockDevice device, long offset, long length, CancellationToken ct = default) =>
        IssueDiscardCoreAsync(device, offset, length, inlineContinuations: false, ct);

    /// <summary>
    /// As <see cref="IssueDiscardAsync(IBlockDevice, long, long, CancellationToken)"/>; with
    /// <paramref name="inlineContinuations"/> the awaiting code runs on the thread that ends the
    /// last bio (DirectFileOptions.InlineCompletions), saving a thread hop per discard.
    /// </summary>
    internal static ValueTask IssueDiscardCoreAsync(IBlockDevice device, long offset, long length, bool inlineContinuations, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(device);
        QueueLimits limits = device.Limits;
        CheckDiscard(device, limits, offset, length);
        if (length == 0)
        {
            return ValueTask.CompletedTask;
        }
        if (ct.IsCancellationRequested)
        {
            throw new DirectIoCanceledException($"discard at offset {offset} was canceled before it was submitted", ct);
        }
        DiscardRequest request = DiscardRequest.Rent(device, offset, length, inlineContinuations);
        long end = offset + length;
        for (long position = offset; position < end;)
        {
            int bytes = NextDiscardBytes(limits, position, end - position);
            Bio bio = BioPool.Rent(BioOp.Discard, position / QueueLimits.SectorSize, limits);
            bio.SetDiscardSize(bytes);
            request.Submit(bio);
            position += bytes;
        }
        return request.ReleaseSubmitter();
    }

    /// <summary>
    /// bio_discard_limit(): a bio that starts off the granularity runs to the next boundary of
    /// it, so that the bios after it start aligned; an aligned one takes the most the queue
    /// takes, rounded down to the granularity. Never more than <paramref name="remaining"/>.
    /// </summary>
    internal static int NextDiscardBytes(QueueLimits limits, long position, long remaining)
    {
        long granularity = limits.EffectiveDiscardGranularity;
        long misalignment = position % granularity;
        long bytes = misalignment != 0
            ? granularity - misalignment
            : Math.Max(granularity, limits.MaxDiscardBytes / granularity * granularity);
        return (int)Math.Min(Math.Min(bytes, limits.MaxDiscardBytes), remaining);
    }

    private static void CheckDiscard(IBlockDevice device, QueueLimits limits, long offset, long length)
    {
        if (!limits.SupportsDiscard)
        {
            ThrowHelper.ThrowDirectIo(Errno.EOPNOTSUPP,
                $"{device} cannot discard (its queue's discard_max_bytes is 0): trim only devices that support discard, or write zeroes instead");
        }
        int block = limits.LogicalBlockSize;
        if (offset < 0 || offset % block != 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"discard offset {offset} on {device} is not a multiple of the logical block size {block}");
        }
        if (length < 0 || length % block != 0)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL, $"discard length {length} on {device} is not a multiple of the logical block size {block}");
        }
        if (length > device.Capacity - offset)
        {
            ThrowHelper.ThrowDirectIo(Errno.EINVAL,
                $"discard of {length} bytes at offset {offset} passes the end of {device} ({device.Capacity} bytes): trim inside the device");
        }
    }
}
