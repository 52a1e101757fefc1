// Follows io_uring/cancel.c (IORING_OP_ASYNC_CANCEL by user_data) as its user: canceling a request in flight.
using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using PinIo.Block;
using PinIo.Linux;

namespace PinIo.Devices;

internal sealed unsafe partial class IoUringEngine
{
    private const ulong CancelTag = ulong.MaxValue - 1;

    // Cancellations asked for by any thread, acted on by the ring's owner (the ring is single-issuer).
    private readonly ConcurrentQueue<(IBioCancelTarget Owner, int Generation)> _cancels = new();
    // Set before the first cancellation is queued: until then the owner's every poll and commit
    // skips the queue (an empty ConcurrentQueue's TryDequeue is ~45 instructions, twice per I/O).
    private bool _cancelsQueued;
    private long _cancelsSent;
    private long _cancelsFound;
    private long _canceledInFlight;
    private long _canceledWaiting;

    /// <summary>Whether requests can be canceled in flight: not on an IOPOLL ring, which takes only pollable opcodes.</summary>
    public bool CanCancelInFlight => !_completionPolling;

    /// <summary>IORING_OP_ASYNC_CANCEL SQEs sent (one per piece of a canceled request still in the ring).</summary>
    public long CancelsSent => Interlocked.Read(ref _cancelsSent);

    /// <summary>Cancels whose CQE said 0: the kernel found the target before it ran (it then ends with -ECANCELED).</summary>
    public long CancelsFound => Interlocked.Read(ref _cancelsFound);

    /// <summary>Pieces that ended with -ECANCELED from the kernel.</summary>
    public long CanceledInFlight => Interlocked.Read(ref _canceledInFlight);

    /// <summary>Bios ended with ECANCELED while they waited for a slot (never reached the kernel).</summary>
    public long CanceledWaiting => Interlocked.Read(ref _canceledWaiting);

    /// <summary>
    /// From any thread: queues the cancellation for the owner, which prepares the cancel SQEs
    /// (the ring is single-issuer), and wakes it if it may sleep. A polled ring acts on it in its
    /// next <see cref="Poll"/> or <see cref="Commit"/>.
    /// </summary>
    public void CancelInFlight(IBioCancelTarget owner, int generation)
    {
        if (_stopping)
        {
            return; // a request whose bios have all ended, its submitter not yet back: nothing to cancel
        }
        Volatile.Write(ref _cancelsQueued, true);
        _cancels.Enqueue((owner, generation));
        if (_polled || IsOwnerThread)
        {
            return;
        }
        try
        {
            WakeOwner();
        }
        catch (ObjectDisposedException)
        {
            // The ring closed meanwhile: every bio of the request had ended.
        }
    }

    /// <summary>On the owner: acts on every cancellation queued.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DrainCancels()
    {
        if (!Volatile.Read(ref _cancelsQueued))
        {
            return;
        }
        while (_cancels.TryDequeue(out (IBioCancelTarget Owner, int Generation) cancel))
        {
            CancelBiosOf(cancel.Owner, cancel.Generation);
        }
    }

    /// <summary>
    /// Bios of the request still waiting for a slot (or not yet taken from the hand-over queue) end
    /// at once with ECANCELED: the kernel never saw them. Each piece in the ring gets an IORING_OP_ASYNC_CANCEL naming its user_data. A
    /// request that has ended since (another generation) has nothing here: its bios left the
    /// slots and the queues on this thread, before its generation could move on.
    /// <para>
    /// The bios other threads handed over are taken first, and the generation is read after:
    /// a request object reused since its cancellation was queued (a DioRequest back in its cache,
    /// rented again) took its new generation before it handed over a bio, so if one of its new
    /// bios is in the queues now, the generation read shows the new use and nothing is canceled;
    /// and a bio it hands over later stays in the hand-over queue, untouched. Read the other way
    /// round, a reuse between the look at the generation and the take of the hand-over queue
    /// had the new request's bios ended with ECANCELED although its token never fired.
    /// </para>
    /// </summary>
    private void CancelBiosOf(IBioCancelTarget owner, int generation)
    {
        TakeHandedOver();
        if (owner.CancelGeneration == generation)
        {
            for (int i = 0; i < _slots.Length; i++)
            {
                ref Slot slot = ref _slots[i];
                if (slot.Bio is not null && !slot.CancelSent && ReferenceEquals(slot.Bio.Private, owner))
                {
                    slot.CancelSent = true;
                    IoUringRing.PrepCancel(NextSqe(), ((ulong)slot.Generation << 32) | (uint)i, CancelTag);
                    _cancelsSent++;
                }
            }
            EndWaitingBiosOf(owner);
        }
        DrainWaiting();
    }

    /// <summary>
    /// The bios handed over by other threads join the slot queue, behind it, as DrainIncoming
    /// would put them; <see cref="DrainWaiting"/> then starts those that find a slot.
    /// </summary>
    private void TakeHandedOver()
    {
        while (_incoming.TryDequeue(out Bio? handedOver))
        {
            _waiting.Enqueue(handedOver);
        }
    }

    /// <summary>
    /// Takes the request's bios out of the queue of bios not yet in the ring, keeping the others
    /// in order, then ends them (an EndIo may queue more).
    /// </summary>
    private void EndWaitingBiosOf(IBioCancelTarget owner)
    {
        List<Bio>? canceled = null;
        for (int n = _waiting.Count; n > 0; n--)
        {
            Bio bio = _waiting.Dequeue();
            if (ReferenceEquals(bio.Private, owner))
            {
                (canceled ??= []).Add(bio);
            }
            else
            {
                _waiting.Enqueue(bio);
            }
        }
        if (canceled is null)
        {
            return;
        }
        foreach (Bio bio in canceled)
        {
            _canceledWaiting++;
            _completedInPoll++;
            BioTransfer.Complete(_device, bio, -(int)Errno.ECANCELED);
        }
    }

    /// <summary>The cancel SQE's own CQE: only counted; the target's CQE says how it ended.</summary>
    private void HandleCancelResult(int res)
    {
        if (res == 0)
        {
            _cancelsFound++;
        }
    }
}
