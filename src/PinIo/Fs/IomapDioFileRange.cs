// Follows fs/iomap/direct-io.c (iomap_dio_complete, iomap_dio_set_error, the need_zeroout rule of iomap_dio_bio_iter).
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using PinIo.Block;
using PinIo.Iov;

namespace PinIo.Fs;

/// <summary>
/// The file side of one Direct I/O write, shared by <see cref="IomapDio"/> and
/// <c>LegacyDirectIo</c>: the bytes done from the request's offset, whether any extent
/// was new or unwritten, and the end of the request (<see cref="EndIoAsync"/>). A struct
/// living in the request's state machine, so a write allocates nothing for it.
/// </summary>
internal struct DioFileRange(long offset, int blockSize)
{
    public readonly long Offset = offset;

    public long Done { get; private set; }

    /// <summary>Whether any extent was unwritten or newly allocated: end_io converts.</summary>
    public bool Unwritten { get; private set; }

    public readonly long End => Offset + Done;

    public static long AlignUp(long value, long alignment) => (value + alignment - 1) / alignment * alignment;

    public static long AlignDown(long value, long alignment) => value / alignment * alignment;

    public static IomapIntent IntentOf(IomapIntent intent, DirectIoFlags flags) =>
        (flags & DirectIoFlags.NoWait) != 0 ? intent | IomapIntent.NoWait : intent;

    /// <summary>Failures that end a request with the bytes done so far; anything else is a bug and propagates.</summary>
    public static bool IsRequestFailure(Exception e) => e is DirectIoException or OperationCanceledException;

    /// <summary>The bytes of the request the extent covers from <paramref name="pos"/>: EIO when the file system handed back an extent that does not hold it.</summary>
    public static long ChunkOf(Iomap map, long pos, long count)
    {
        if (map.Offset > pos || map.End <= pos)
        {
            ThrowHelper.ThrowDirectIo(Errno.EIO,
                $"the file system mapped [{map.Offset}, {map.End}) for offset {pos}, an extent that does not hold it: a file-system bug");
        }
        return Math.Min(count, map.End - pos);
    }

    /// <summary>A new or unwritten extent (need_zeroout): whatever the device held there must never be read back.</summary>
    public static bool IsFresh(Iomap map) => map.Type == IomapType.Unwritten || (map.Flags & IomapFlags.New) != 0;

    /// <summary>Notes an extent a write goes to; true when it is fresh (zero around the write).</summary>
    public bool NoteWriteExtent(Iomap map, long pos)
    {
        if (map.Type == IomapType.Hole)
        {
            ThrowHelper.ThrowDirectIo(Errno.EIO, $"Write at offset {pos}: the file system mapped a hole for a write (it must allocate): a file-system bug");
        }
        bool fresh = IsFresh(map);
        Unwritten |= fresh;
        return fresh;
    }

    /// <summary>Notes that the request wrote into a new or unwritten block somewhere.</summary>
    public void NoteUnwritten(bool fresh) => Unwritten |= fresh;

    /// <summary>Bytes of <paramref name="pos"/>'s file-system block in front of it.</summary>
    public readonly long HeadPad(long pos) => pos - AlignDown(pos, blockSize);

    /// <summary>Bytes of the block holding the end of what is done, past it.</summary>
    public readonly long TailPad() => AlignUp(End, blockSize) - End;

    public void Advance(long bytes) => Done += bytes;

    /// <summary>
    /// After a failure inside a fresh block: the block is not all zeroes-or-data, so nothing
    /// of it may be converted. Steps the bytes done (and the iterator) back to its start.
    /// </summary>
    public void CutToBlockIf(bool fresh, IovIter iter)
    {
        if (!fresh)
        {
            return;
        }
        long cut = End - Math.Max(Offset, AlignDown(End, blockSize));
        if (cut > 0)
        {
            Done -= cut;
            iter.Revert(cut);
        }
    }

    /// <summary>
    /// iomap_dio_complete() for a write: the data I/O has ended; end_io runs once, with the
    /// bytes done (conversion and size happen there, never before). Returns the bytes done,
    /// or throws the request's failure when there are none.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<long> EndIoAsync(IIomapInode inode, DioFileRange range, IovIter iter, Exception? failure, CancellationToken ct)
    {
        try
        {
            // The data is on the device whatever the caller wants now: end_io is not cancelable.
            await inode.DioEndIoAsync(range.Offset, range.Done, range.Unwritten, CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            iter.Revert(range.Done);
            throw;
        }
        if (range.Done == 0)
        {
            if (failure is not null)
            {
                ExceptionDispatchInfo.Throw(failure);
            }
            DirectIo.ThrowIfCanceled(BioOp.Write, range.Offset, ct);
            // The device failed inside the first new or unwritten block: its bytes are not done.
            ThrowHelper.ThrowDirectIo(Errno.EIO,
                $"Write at offset {range.Offset}: the device failed inside a new or unwritten block, so none of it was written (it still reads as zeroes)");
        }
        return range.Done;
    }
}
