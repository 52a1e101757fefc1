// Follows io_uring/rw.c (io_complete_rw, short reads and -EAGAIN reissue) as seen from user space.
using System.Runtime.CompilerServices;
using PinIo.Block;
using PinIo.Iov;
using PinIo.Linux;

namespace PinIo.Devices;

internal sealed unsafe partial class IoUringEngine
{
    /// <summary>
    /// Starts a bio on as many slots as it has pieces, when they are free: one piece, or —
    /// for separate vecs all in the registered pool — a READ_FIXED/WRITE_FIXED per vec, so
    /// that pool memory costs the kernel no pin whichever way the caller laid it out.
    /// </summary>
    private bool TryStart(Bio bio)
    {
        if ((bio.Op is BioOp.Flush or BioOp.Discard) && _completionPolling)
        {
            RunNow(bio);
            return true;
        }
        ReadOnlySpan<BioVec> vecs = bio.VecSpan;
        int pieces = bio.Op != BioOp.Flush && vecs.Length > 1 && vecs.Length <= _slots.Length && !BioTransfer.IsOneRange(vecs) && AllInRegisteredPool(vecs)
            ? vecs.Length
            : 1;
        if (_freeCount < pieces)
        {
            return false;
        }
        int lead = _freeSlots[_freeCount - 1];
        _slots[lead].PiecesLeft = pieces;
        _slots[lead].Error = 0;
        int start = 0;
        for (int i = 0; i < pieces; i++)
        {
            int index = _freeSlots[--_freeCount];
            ref Slot slot = ref _slots[index];
            slot.Bio = bio;
            slot.Lead = lead;
            slot.VecIndex = pieces == 1 ? -1 : i;
            slot.PieceStart = start;
            slot.PieceLength = pieces == 1 ? bio.Size : vecs[i].Length;
            slot.Done = 0;
            slot.CancelSent = false;
            start += slot.PieceLength;
            Prep(index);
        }
        return true;
    }

    /// <summary>
    /// An IOPOLL ring refuses IORING_OP_FSYNC, IORING_OP_FALLOCATE and a block device's
    /// IORING_OP_URING_CMD (the opcodes cannot be polled), so a flush or a discard there is the
    /// blocking call on the polling thread, as the sync engine's. Like IORING_OP_FSYNC a flush
    /// covers the writes that have completed; the bio ends in the next <see cref="Poll"/>.
    /// </summary>
    private void RunNow(Bio bio)
    {
        int result = bio.Op == BioOp.Flush ? Math.Min(0, Interop.Fdatasync(_device.Descriptor)) : FileDiscard.Run(_device, bio);
        _flushed.Enqueue((bio, result));
    }

    /// <summary>
    /// Writes the SQE for what is left of a slot's piece. user_data is the slot index and its
    /// generation, so a CQE for a recycled slot is recognised, never delivered.
    /// </summary>
    private void Prep(int index)
    {
        ref Slot slot = ref _slots[index];
        Bio bio = slot.Bio!;
        ulong userData = ((ulong)slot.Generation << 32) | (uint)index;
        IoUringSqe* sqe = NextSqe();
        _inFlight++;
        if (bio.Op == BioOp.Flush)
        {
            IoUringRing.PrepFsync(sqe, _fd, Interop.IORING_FSYNC_DATASYNC, userData, _fileFlags);
            return;
        }
        if (bio.Op == BioOp.Discard)
        {
            PrepDiscard(sqe, bio, userData);
            return;
        }
        PrepReadWrite(sqe, index, bio, userData);
        // Every prep writes the whole SQE: the priority goes in after (sqe->ioprio, as io_uring_prep_rw leaves it).
        sqe->IoPrio = bio.Priority.Value;
    }

    /// <summary>The READ/WRITE (fixed or vectored) SQE for what is left of a slot's piece.</summary>
    private void PrepReadWrite(IoUringSqe* sqe, int index, Bio bio, ulong userData)
    {
        ref Slot slot = ref _slots[index];
        bool read = bio.Op == BioOp.Read;
        int done = slot.PieceStart + slot.Done;
        long offset = bio.Position + done;
        uint length = (uint)(slot.PieceLength - slot.Done);
        ReadOnlySpan<BioVec> vecs = bio.VecSpan;
        if (slot.VecIndex >= 0)
        {
            PrepFixed(sqe, read, vecs[slot.VecIndex].Address + slot.Done, length, offset, userData);
            return;
        }
        if (vecs.Length == 1 || BioTransfer.IsOneRange(vecs))
        {
            // A bio of adjacent vecs (split only by MaxSegmentSize) is one range of memory:
            // one READ/READ_FIXED, and the registered pool needs no pin for any of it.
            nint address = vecs[0].Address + done;
            if (InRegisteredPool(vecs[0].Address, bio.Size))
            {
                PrepFixed(sqe, read, address, length, offset, userData);
            }
            else if (read)
            {
                IoUringRing.PrepRead(sqe, _fd, address, length, offset, userData, 0, _fileFlags);
            }
            else
            {
                IoUringRing.PrepWrite(sqe, _fd, address, length, offset, userData, 0, _fileFlags);
            }
            return;
        }
        IoVec* iov = _iovecs + ((long)index * _segmentsPerSlot);
        uint count = (uint)BioTransfer.FillIoVecs(vecs, done, iov);
        if (read)
        {
            IoUringRing.PrepReadv(sqe, _fd, iov, count, offset, userData, 0, _fileFlags);
        }
        else
        {
            IoUringRing.PrepWritev(sqe, _fd, iov, count, offset, userData, 0, _fileFlags);
        }
    }

    /// <summary>A block device discards through its io_uring command; a regular file punches a hole.</summary>
    private void PrepDiscard(IoUringSqe* sqe, Bio bio, ulong userData)
    {
        if (_device.IsBlockDevice)
        {
            IoUringRing.PrepBlockDiscard(sqe, _fd, bio.Position, bio.Size, userData, _fileFlags);
        }
        else
        {
            IoUringRing.PrepFallocate(sqe, _fd, FileDiscard.PunchHoleMode, bio.Position, bio.Size, userData, _fileFlags);
        }
    }

    private void PrepFixed(IoUringSqe* sqe, bool read, nint address, uint length, long offset, ulong userData)
    {
        if (read)
        {
            IoUringRing.PrepReadFixed(sqe, _fd, address, length, offset, 0, userData, 0, _fileFlags);
        }
        else
        {
            IoUringRing.PrepWriteFixed(sqe, _fd, address, length, offset, 0, userData, 0, _fileFlags);
        }
    }

    private bool AllInRegisteredPool(ReadOnlySpan<BioVec> vecs)
    {
        foreach (BioVec vec in vecs)
        {
            if (!InRegisteredPool(vec.Address, vec.Length))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// There is always an SQE: requests in flight never outnumber the slots, and the slots are
    /// one fewer than the SQ. Were it ever full, submitting frees it — at once without SQPOLL,
    /// and with SQPOLL once the kernel thread has taken an SQE.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private IoUringSqe* NextSqe()
    {
        if (_ring.TryGetSqe(out IoUringSqe* sqe))
        {
            return sqe;
        }
        _ring.Enter(_ring.Flush(), 0);
        _ring.WaitSqSpace();
        if (!_ring.TryGetSqe(out sqe))
        {
            throw new InvalidOperationException("io_uring SQ full although every slot's SQE was submitted");
        }
        return sqe;
    }

    private bool InRegisteredPool(nint address, int length) =>
        _poolBytes > 0 && address >= _poolBase && address + length <= _poolBase + (nint)_poolBytes;

    private void Handle(in IoUringCqe cqe)
    {
        if (cqe.UserData == WakeTag)
        {
            if (!_stopping)
            {
                ArmWake();
            }
            return;
        }
        if (cqe.UserData == CancelTag)
        {
            HandleCancelResult(cqe.Res);
            return;
        }
        int index = (int)(cqe.UserData & 0xFFFF_FFFF);
        uint generation = (uint)(cqe.UserData >> 32);
        if ((uint)index >= (uint)_slots.Length || _slots[index].Bio is null || _slots[index].Generation != generation)
        {
            Interlocked.Increment(ref _staleCompletions);
            return;
        }
        ref Slot slot = ref _slots[index];
        Bio bio = slot.Bio!;
        int res = cqe.Res;
        if (res == -(int)Errno.EAGAIN || res == -(int)Errno.EINTR)
        {
            Reissue(index);
            return;
        }
        if (res == -(int)Errno.ECANCELED)
        {
            _canceledInFlight++;
        }
        if (res < 0 || bio.Op is BioOp.Flush or BioOp.Discard)
        {
            FinishPiece(index, Math.Min(res, 0));
            return;
        }
        slot.Done += res;
        if (slot.Done >= slot.PieceLength)
        {
            FinishPiece(index, 0);
        }
        else if (res > 0)
        {
            Reissue(index);
        }
        else if (bio.Op == BioOp.Read)
        {
            BioTransfer.ZeroRange(bio, slot.PieceStart + slot.Done, slot.PieceStart + slot.PieceLength);
            FinishPiece(index, 0);
        }
        else
        {
            FinishPiece(index, -(int)Errno.EIO);
        }
    }

    private void Reissue(int index)
    {
        _inFlight--;
        Prep(index);
    }

    /// <summary>
    /// A piece ended. Its slot is freed at once unless it leads its bio; the last piece frees
    /// the lead and ends the bio with the first error, after the slots are free, so that a
    /// continuation run inline can reuse them.
    /// </summary>
    private void FinishPiece(int index, int error)
    {
        _inFlight--;
        int lead = _slots[index].Lead;
        ref Slot head = ref _slots[lead];
        if (head.Error == 0)
        {
            head.Error = error;
        }
        if (index != lead)
        {
            Release(index);
        }
        if (--head.PiecesLeft > 0)
        {
            return;
        }
        Bio bio = head.Bio!;
        int result = head.Error;
        Release(lead);
        _completedInPoll++;
        BioTransfer.Complete(_device, bio, result, FailureReason(bio, result));
        DrainWaiting();
    }

    /// <summary>What a failed request means on this ring beyond its errno, when it means more.</summary>
    private string? FailureReason(Bio bio, int result) => result != -(int)Errno.EOPNOTSUPP ? null
        : bio.Op == BioOp.Discard && _device.IsBlockDevice ? BlockDiscardUnsupported
        : _completionPolling ? PolledIoUnsupported
        : null;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Release(int index)
    {
        ref Slot slot = ref _slots[index];
        slot.Bio = null;
        slot.Generation++;
        _freeSlots[_freeCount++] = index;
    }
}
