// Follows include/linux/fs.h (struct kiocb's ki_complete, as io_uring's io_complete_rw uses it; io_kiocb embeds the kiocb).
namespace PinIo.Fs;

/// <summary>
/// Where a request started by <see cref="DirectIo.Start"/> delivers its result, in place of a
/// ValueTask: the kiocb's <c>ki_complete</c>. The runner's slots take their I/O this way, so
/// that a completion is one call instead of a task source's continuation, status and result
/// handshake. Called once, on the completing thread, only for a request still in flight when
/// Start returned; the request is already finished, its pages released.
/// <para>
/// A completion carries one request at a time, and keeps that request's accounting between
/// its requests, as io_uring's io_kiocb embeds its kiocb: made with the completion (so that a
/// caller that makes its completions together finds each one's request, and the request's bio,
/// beside it in memory), reused by every request, it never passes through the shared request cache.
/// </para>
/// </summary>
internal abstract class DioCompletion
{
    /// <summary>The request this completion keeps, made with it.</summary>
    internal readonly DioRequest Request;

    protected DioCompletion() => Request = DioRequest.KeptBy(this);

    /// <summary>The bytes moved, or the failure (then <paramref name="result"/> is 0). Must not block or throw.</summary>
    public abstract void Complete(long result, Exception? error);
}
