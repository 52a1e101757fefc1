// Follows io_uring/cancel.c (a request canceled by its identity, while in flight).
namespace PinIo.Block;

/// <summary>
/// The submitter that owns bios in flight (their <see cref="Bio.Private"/>), canceled as one:
/// a Direct I/O request. Its generation moves on each time the object is reused, so a
/// cancellation that arrives after the request ended finds another generation and does nothing.
/// </summary>
internal interface IBioCancelTarget
{
    /// <summary>The current use of the object (changes when it is reused for another request).</summary>
    int CancelGeneration { get; }
}

/// <summary>
/// A device that can end bios it holds before they complete, with <see cref="BlkStatus.Canceled"/>
/// and ECANCELED. Bios already done, or started where the device cannot stop them, end as they
/// would have: a cancellation is a request, never a promise. Each bio still ends exactly once.
/// </summary>
internal interface IBioCanceler
{
    /// <summary>Whether <see cref="CancelInFlight"/> can do anything here (registering for it costs nothing otherwise).</summary>
    bool CanCancelInFlight { get; }

    /// <summary>
    /// Asks the device to cancel every bio whose <see cref="Bio.Private"/> is <paramref name="owner"/>
    /// while the owner's generation is still <paramref name="generation"/>. From any thread, without
    /// waiting: the device acts on it later, on its own thread; the bios end through their EndIo.
    /// </summary>
    void CancelInFlight(IBioCancelTarget owner, int generation);
}
