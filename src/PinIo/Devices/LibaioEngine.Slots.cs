// Follows fs/aio.c (aio_prep_rw, aio_complete_rw, io_submit_one's errors) as seen from user space.
using System.Runtime.InteropServices;
using PinIo.Block;
using PinIo.Iov;
using PinIo.Linux;

namespace PinIo.Devices;

internal sealed unsafe partial class LibaioEngine
{
    private void Setup(int queueDepth)
    {
        int slots = queueDepth;
        // One event more than the slots, for the wake poll always in flight.
        _context = AioContext.Create((uint)slots + 1);
        _fd = _device.Descriptor.DangerousFd;
        _segmentsPerSlot = Math.Min(_device.Limits.MaxSegments, MaxSegmentsPerSlot);
        _slots = new Slot[slots];
        _freeSlots = new int[slots];
        for (int i = 0; i < slots; i++)
        {
            _freeSlots[i] = slots - 1 - i;
        }
        _freeCount = slots;
        _iocbs = (AioIocb*)NativeMemory.AllocZeroed((nuint)(slots + 1), (nuint)sizeof(AioIocb));
        _batch = (AioIocb**)NativeMemory.AllocZeroed((nuint)(slots + 1), (nuint)sizeof(AioIocb*));
        _iovecs = (IoVec*)NativeMemory.AllocZeroed((nuint)(slots * _segmentsPerSlot), (nuint)sizeof(IoVec));
        int fd = Interop.EventFd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK);
        Errors.Check(fd, "eventfd");
        _wakeFd = new FileDescriptor(fd, ownsHandle: true);
        ArmWake();
        // Submitted here, so that a kernel without IOCB_CMD_POLL fails the open, not a request.
        int res = _context.Submit(_batch, 1);
        if (res != 1)
        {
            throw new DirectIoException(res < 0 ? (Errno)(-res) : Errno.EIO,
                "io_submit refused the libaio engine's wake-up poll (IOCB_CMD_POLL needs Linux 4.18): use IoEngine.IoUring or IoEngine.Sync");
        }
        _batchCount = 0;
    }

    /// <summary>Keeps one poll of the eventfd in flight: a write from another thread completes it and wakes the owner.</summary>
    private void ArmWake()
    {
        AioIocb* wake = _iocbs + _slots.Length;
        AioContext.PrepPoll(wake, _wakeFd!.DangerousFd, Interop.POLLIN, WakeTag);
        _batch[_batchCount++] = wake;
    }

    /// <summary>io_destroy cancels the wake poll and waits for anything left; only then may the iocbs and iovecs go.</summary>
    private void FreeContext()
    {
        _context?.Dispose();
        _context = null;
        _freeCount = 0;
        NativeMemory.Free(_iocbs);
        _iocbs = null;
        NativeMemory.Free(_batch);
        _batch = null;
        NativeMemory.Free(_iovecs);
        _iovecs = null;
    }

    private bool TryStart(Bio bio)
    {
        if (_freeCount == 0)
        {
            return false;
        }
        int index = _freeSlots[--_freeCount];
        ref Slot slot = ref _slots[index];
        slot.Bio = bio;
        slot.Done = 0;
        if (bio.Op == BioOp.Discard)
        {
            DiscardNow(index);
            return true;
        }
        Prep(index);
        return true;
    }

    /// <summary>
    /// Native AIO has no discard command: the syscall runs here, on the engine's thread, and
    /// the bio ends with the refused ones after the next submit — not now, inside the loop that
    /// started it, where a continuation run inline could start the same waiting bio twice.
    /// </summary>
    private void DiscardNow(int index)
    {
        _inFlight++;
        _refused.Enqueue((index, FileDiscard.Run(_device, _slots[index].Bio!)));
    }

    /// <summary>
    /// Writes the iocb for what is left of a slot's bio and adds it to the batch. Its data is
    /// the slot index and generation, so an event for a recycled slot is recognised, never delivered.
    /// </summary>
    private void Prep(int index)
    {
        ref Slot slot = ref _slots[index];
        Bio bio = slot.Bio!;
        AioIocb* iocb = _iocbs + index;
        ulong data = ((ulong)slot.Generation << 32) | (uint)index;
        _inFlight++;
        _batch[_batchCount++] = iocb;
        if (bio.Op == BioOp.Flush)
        {
            AioContext.PrepFsync(iocb, _fd, dataOnly: true, data);
            return;
        }
        PrepReadWrite(iocb, index, ref slot, bio, data);
        if (bio.Priority.IsSet)
        {
            // IOCB_FLAG_IOPRIO: without the flag the kernel ignores aio_reqprio.
            iocb->RequestPriority = (short)bio.Priority.Value;
            iocb->Flags |= Interop.IOCB_FLAG_IOPRIO;
        }
    }

    private void PrepReadWrite(AioIocb* iocb, int index, ref Slot slot, Bio bio, ulong data)
    {
        bool read = bio.Op == BioOp.Read;
        int done = slot.Done;
        long offset = bio.Position + done;
        ReadOnlySpan<BioVec> vecs = bio.VecSpan;
        if (vecs.Length == 1 || BioTransfer.IsOneRange(vecs))
        {
            ushort op = read ? Interop.IOCB_CMD_PREAD : Interop.IOCB_CMD_PWRITE;
            AioContext.PrepRw(iocb, op, _fd, vecs[0].Address + done, (ulong)(bio.Size - done), offset, data);
            return;
        }
        IoVec* iov = _iovecs + ((long)index * _segmentsPerSlot);
        int count = BioTransfer.FillIoVecs(vecs, done, iov);
        AioContext.PrepRw(iocb, read ? Interop.IOCB_CMD_PREADV : Interop.IOCB_CMD_PWRITEV, _fd, (nint)iov, (ulong)count, offset, data);
    }

    /// <summary>
    /// Submits the batch with as few io_submit calls as it takes. An iocb refused with an
    /// errno ends its bio with it; one refused with EAGAIN (no room in the context) stays,
    /// with those after it, for after the next completion — unless nothing is in flight to
    /// wait for, when it fails too. Bios ended here may queue more: the loop runs until the
    /// batch is out or waits.
    /// </summary>
    private void SubmitBatch()
    {
        while (_batchCount > 0 || _refused.Count > 0)
        {
            int submitted = 0;
            while (submitted < _batchCount)
            {
                int res = _context!.Submit(_batch + submitted, _batchCount - submitted);
                if (res > 0)
                {
                    submitted += res;
                }
                else if (res == -(int)Errno.EINTR)
                {
                    continue;
                }
                else if (res == -(int)Errno.EAGAIN && _inFlight - (_batchCount - submitted) > 0)
                {
                    KeepUnsubmitted(submitted);
                    EndRefused();
                    return;
                }
                else
                {
                    Refuse(_batch[submitted++], res == 0 ? -(int)Errno.EIO : res);
                }
            }
            _batchCount = 0;
            EndRefused();
        }
    }

    private void KeepUnsubmitted(int submitted)
    {
        int left = _batchCount - submitted;
        Buffer.MemoryCopy(_batch + submitted, _batch, (long)left * sizeof(AioIocb*), (long)left * sizeof(AioIocb*));
        _batchCount = left;
    }

    /// <summary>An iocb io_submit would not take: its bio ends with the errno, after the submit loop (its continuation may submit).</summary>
    private void Refuse(AioIocb* iocb, int error)
    {
        if (iocb->Data == WakeTag)
        {
            throw new DirectIoException((Errno)(-error), "io_submit refused the libaio engine's wake-up poll");
        }
        _refused.Enqueue(((int)(iocb->Data & 0xFFFF_FFFF), error));
    }

    private void EndRefused()
    {
        while (_refused.TryDequeue(out (int Slot, int Error) refused))
        {
            Finish(refused.Slot, refused.Error);
        }
    }

    private void Handle(in AioEvent ev)
    {
        int index = (int)(ev.Data & 0xFFFF_FFFF);
        uint generation = (uint)(ev.Data >> 32);
        if ((uint)index >= (uint)_slots.Length || _slots[index].Bio is null || _slots[index].Generation != generation)
        {
            Interlocked.Increment(ref _staleCompletions);
            return;
        }
        ref Slot slot = ref _slots[index];
        Bio bio = slot.Bio!;
        long res = ev.Result;
        if (res == -(int)Errno.EAGAIN || res == -(int)Errno.EINTR)
        {
            Reissue(index);
            return;
        }
        if (res < 0 || bio.Op == BioOp.Flush)
        {
            Finish(index, (int)Math.Min(res, 0));
            return;
        }
        slot.Done += (int)res;
        if (slot.Done >= bio.Size)
        {
            Finish(index, 0);
        }
        else if (res > 0)
        {
            Reissue(index);
        }
        else if (bio.Op == BioOp.Read)
        {
            BioTransfer.ZeroFrom(bio, slot.Done);
            Finish(index, 0);
        }
        else
        {
            Finish(index, -(int)Errno.EIO);
        }
    }

    private void Reissue(int index)
    {
        _inFlight--;
        Prep(index);
    }

    /// <summary>The slot is free before the bio ends, so that a continuation run inline can reuse it.</summary>
    private void Finish(int index, int error)
    {
        _inFlight--;
        ref Slot slot = ref _slots[index];
        Bio bio = slot.Bio!;
        slot.Bio = null;
        slot.Generation++;
        _freeSlots[_freeCount++] = index;
        BioTransfer.Complete(_device, bio, error);
        DrainWaiting();
    }
}
