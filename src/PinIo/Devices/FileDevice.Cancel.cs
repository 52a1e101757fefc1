// Follows io_uring/cancel.c (IORING_OP_ASYNC_CANCEL) and fs/aio.c (io_cancel): what each engine can cancel in flight.
using PinIo.Block;

namespace PinIo.Devices;

/// <summary>
/// Cancellation in flight, by engine. io_uring: the ring's owner sends IORING_OP_ASYNC_CANCEL for
/// each piece of the request still in the ring and ends at once the bios still waiting for a
/// slot; the kernel cancels what has not started (a request parked in io-wq, a write waiting
/// behind another to the same file) and lets what it has handed to the device finish. Not on a
/// CompletionPolling (IOPOLL) ring, whose opcodes must be pollable. libaio: io_cancel cancels
/// only requests whose driver set a cancel function (USB gadget, aio poll): a file or block
/// device read or write gets EINVAL, so the request simply completes. Sync: the request is a
/// preadv2/pwritev2 already inside the kernel, or about to be; it completes.
/// </summary>
public sealed partial class FileDevice : IBioCanceler
{
    bool IBioCanceler.CanCancelInFlight => _engine is IoUringEngine { CanCancelInFlight: true };

    void IBioCanceler.CancelInFlight(IBioCancelTarget owner, int generation)
    {
        if (_engine is IoUringEngine ring && Volatile.Read(ref _disposed) == 0)
        {
            ring.CancelInFlight(owner, generation);
        }
    }
}
