// Follows io_uring/rw.c (io_complete_rw, short reads and -EAGAIN reissue) as seen from user space.
using PinIo.Block;
using PinIo.Iov;
using PinIo.Linux;

namespace PinIo.Devices;

internal sealed unsafe partial class IoUringEngine
{
    /// <summary>
    /// Writes the SQE for a slot: the rest of the bio from byte <paramref name="done"/>.
    /// user_data is the slot index and its generation, so a CQE for a recycled slot is
    /// recognised, never delivered.
    /// </summary>
    private void Prep(int index, Bio bio, int done)
    {
        ref Slot slot = ref _slots[index];
        slot.Bio = bio;
        slot.Done = done;
        ulong userData = ((ulong)slot.Generation << 32) | (uint)index;
        IoUringSqe* sqe = NextSqe();
        _inFlight++;
        if (bio.Op == BioOp.Flush)
        {
            IoUringRing.PrepFsync(sqe, _fd, Interop.IORING_FSYNC_DATASYNC, userData, _fileFlags);
            return;
        }
        bool read = bio.Op == BioOp.Read;
        long offset = bio.Position + done;
        ReadOnlySpan<BioVec> vecs = bio.VecSpan;
        if (vecs.Length == 1 || IsOneRange(vecs))
        {
            // A bio of adjacent vecs (split only by MaxSegmentSize) is one range of memory:
            // one READ/READ_FIXED, and the registered pool needs no pin for any of it.
            nint address = vecs[0].Address + done;
            uint length = (uint)(bio.Size - done);
            if (InRegisteredPool(vecs[0].Address, bio.Size))
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

    /// <summary>There is always an SQE: requests in flight never outnumber the slots, and the slots are one fewer than the SQ.</summary>
    private IoUringSqe* NextSqe()
    {
        if (_ring.TryGetSqe(out IoUringSqe* sqe))
        {
            return sqe;
        }
        _ring.Enter(_ring.Flush(), 0);
        if (!_ring.TryGetSqe(out sqe))
        {
            throw new InvalidOperationException("io_uring SQ full although every slot's SQE was submitted");
        }
        return sqe;
    }

    private bool InRegisteredPool(nint address, int length) =>
        _poolBytes > 0 && address >= _poolBase && address + length <= _poolBase + (nint)_poolBytes;

    private static bool IsOneRange(ReadOnlySpan<BioVec> vecs)
    {
        for (int i = 1; i < vecs.Length; i++)
        {
            if (vecs[i].Address != vecs[i - 1].Address + vecs[i - 1].Length)
            {
                return false;
            }
        }
        return true;
    }

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
            Reissue(index, bio, slot.Done);
            return;
        }
        if (res < 0 || bio.Op == BioOp.Flush)
        {
            Finish(index, Math.Min(res, 0));
            return;
        }
        int done = slot.Done + res;
        if (done >= bio.Size)
        {
            Finish(index, 0);
        }
        else if (res > 0)
        {
            Reissue(index, bio, done);
        }
        else if (bio.Op == BioOp.Read)
        {
            BioTransfer.ZeroFrom(bio, done);
            Finish(index, 0);
        }
        else
        {
            Finish(index, -(int)Errno.EIO);
        }
    }

    private void Reissue(int index, Bio bio, int done)
    {
        _inFlight--;
        Prep(index, bio, done);
    }

    /// <summary>Frees the slot before ending the bio, so that a continuation run inline can reuse it.</summary>
    private void Finish(int index, int error)
    {
        ref Slot slot = ref _slots[index];
        Bio bio = slot.Bio!;
        slot.Bio = null;
        slot.Generation++;
        _freeSlots[_freeCount++] = index;
        _inFlight--;
        _completedInPoll++;
        BioTransfer.Complete(_device, bio, error);
        DrainWaiting();
    }
}
