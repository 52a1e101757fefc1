using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace PinIo;

/// <summary>
/// Throws stay out of line so that the callers on the I/O path stay small and inlinable
/// (the runtime's ThrowHelper pattern). Misuse of the pin contract is an
/// <see cref="InvalidOperationException"/>: the counterpart of the kernel's WARN.
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowDirectIo(Errno errno, string message) => throw CreateDirectIo(errno, message);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static DirectIoException CreateDirectIo(Errno errno, string message) => new(errno, message);

    /// <summary>
    /// The exception for a request that failed with <paramref name="errno"/>: a
    /// <see cref="DirectIoCanceledException"/> for ECANCELED (.NET's shape of a cancellation),
    /// otherwise a <see cref="DirectIoException"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static Exception CreateFailure(Errno errno, string message, CancellationToken token = default) => errno == Errno.ECANCELED
        ? new DirectIoCanceledException(message, token)
        : new DirectIoException(errno, message);

    /// <summary>The errno an exception reports: its own for PinIo's, ECANCELED for a cancellation, EIO for anything else.</summary>
    public static Errno ErrnoOf(Exception e) => e switch
    {
        DirectIoException d => d.Errno,
        OperationCanceledException => Errno.ECANCELED,
        _ => Errno.EIO,
    };

    [DoesNotReturn]
    public static void ThrowMisuse(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string paramName, string message) =>
        throw new ArgumentOutOfRangeException(paramName, message);
}
