// Follows include/uapi/asm-generic/errno.h (ECANCELED) in .NET's cancellation shape.
namespace PinIo;

/// <summary>
/// A Direct I/O request was canceled before any byte moved: by its
/// <see cref="CancellationToken"/> before or during submission, or by the device ending it
/// with ECANCELED. It is an <see cref="OperationCanceledException"/>, as every .NET API throws
/// on cancellation, so <c>catch (OperationCanceledException)</c> and
/// <see cref="OperationCanceledException.CancellationToken"/> work as usual; it also carries
/// <see cref="Errno"/> (always <see cref="PinIo.Errno.ECANCELED"/>) as PinIo's other errors do.
/// <para>
/// It is deliberately not a <see cref="DirectIoException"/>/<see cref="IOException"/>: a
/// cancellation is not an I/O failure, and code that catches <see cref="IOException"/> to
/// report a broken device must not swallow it. A request canceled after some bytes moved
/// returns those bytes instead, as a failure part way does. When it is thrown, no page of the
/// request is still pinned.
/// </para>
/// </summary>
public sealed class DirectIoCanceledException : OperationCanceledException
{
    /// <summary>A cancellation by <paramref name="token"/> (reported in <see cref="OperationCanceledException.CancellationToken"/>); " (ECANCELED)" is appended to the message.</summary>
    public DirectIoCanceledException(string message, CancellationToken token)
        : base($"{message} ({Errno.ECANCELED})", token)
    {
    }

    /// <summary>A cancellation with a generic message and no token (the exception-pattern constructor).</summary>
    public DirectIoCanceledException()
        : this("the request was canceled", CancellationToken.None)
    {
    }

    /// <summary>A cancellation with <paramref name="message"/> and no token.</summary>
    public DirectIoCanceledException(string message)
        : this(message, CancellationToken.None)
    {
    }

    /// <summary>A cancellation with <paramref name="message"/>, wrapping its cause, and no token.</summary>
    public DirectIoCanceledException(string message, Exception innerException)
        : base($"{message} ({Errno.ECANCELED})", innerException)
    {
    }

    /// <summary>Always <see cref="PinIo.Errno.ECANCELED"/>.</summary>
#pragma warning disable CA1822 // an instance member, as DirectIoException.Errno, so callers read it the same way
    public Errno Errno => Errno.ECANCELED;
#pragma warning restore CA1822
}
