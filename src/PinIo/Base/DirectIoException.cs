namespace PinIo;

/// <summary>
/// A Direct I/O request failed. <see cref="Errno"/> is the Linux error number; the message
/// says what the caller has to change. <see cref="BytesTransferred"/> is what the request
/// moved before the failure when it failed part way (it is 0 when it failed as a whole).
/// </summary>
public class DirectIoException : IOException
{
    /// <summary>
    /// A failure with <paramref name="errno"/>; the message gets " (ERRNO)" appended and
    /// <see cref="Exception.HResult"/> is <c>-(int)errno</c>, as the kernel returns it.
    /// </summary>
    /// <param name="errno">The Linux error number.</param>
    /// <param name="message">What failed and what the caller should change.</param>
    public DirectIoException(Errno errno, string message)
        : base($"{message} ({errno})", -(int)errno)
    {
        Errno = errno;
    }

    /// <summary>As <see cref="DirectIoException(Errno, string)"/>, wrapping the exception that caused it.</summary>
    /// <param name="errno">The Linux error number.</param>
    /// <param name="message">What failed and what the caller should change.</param>
    /// <param name="inner">The cause, or null.</param>
    public DirectIoException(Errno errno, string message, Exception? inner)
        : base($"{message} ({errno})", inner)
    {
        Errno = errno;
        HResult = -(int)errno;
    }

    /// <summary>An <see cref="PinIo.Errno.EIO"/> failure with a generic message (the exception-pattern constructor).</summary>
    public DirectIoException()
        : this(Errno.EIO, "I/O error")
    {
    }

    /// <summary>An <see cref="PinIo.Errno.EIO"/> failure with <paramref name="message"/>.</summary>
    public DirectIoException(string message)
        : this(Errno.EIO, message)
    {
    }

    /// <summary>An <see cref="PinIo.Errno.EIO"/> failure with <paramref name="message"/>, wrapping its cause.</summary>
    public DirectIoException(string message, Exception innerException)
        : this(Errno.EIO, message, innerException)
    {
    }

    /// <summary>
    /// The Linux error number: the kernel's own where a syscall or a device reported one,
    /// otherwise the one the kernel would give for the same mistake (EINVAL for misalignment,
    /// EFAULT for a discard iterator, ENOMEM for an exhausted pool).
    /// </summary>
    public Errno Errno { get; }

    /// <summary>Bytes transferred before the failure, where the request did any.</summary>
    public long BytesTransferred { get; init; }
}
