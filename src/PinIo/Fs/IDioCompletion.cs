// Follows include/linux/fs.h (struct kiocb's ki_complete, as io_uring's io_complete_rw uses it).
namespace PinIo.Fs;

/// <summary>
/// Where a request started by <see cref="DirectIo.Start"/> delivers its result, in place of a
/// ValueTask: the kiocb's <c>ki_complete</c>. The runner's slots take their I/O this way, so
/// that a completion is one call instead of a task source's continuation, status and result
/// handshake. Called once, on the completing thread, only for a request still in flight when
/// Start returned; the request is already back in its pool, its pages released.
/// </summary>
internal interface IDioCompletion
{
    /// <summary>The bytes moved, or the failure (then <paramref name="result"/> is 0). Must not block or throw.</summary>
    void Complete(long result, Exception? error);
}
