namespace PinIo;

/// <summary>
/// A Direct I/O request failed. <see cref="Errno"/> is the Linux error number; the message
/// says what the caller has to change. <see cref="BytesTransferred"/> is what the request
/// moved before the failure when it failed part way (it is 0 when it failed as a whole).
/// </summary>
public class DirectIoException : IOException
{
    public DirectIoException(Errno errno, string message)
        : base($"{message} ({errno})", -(int)errno)
    {
        Errno = errno;
    }

    public DirectIoException(Errno errno, string message, Exception? inner)
        : base($"{message} ({errno})", inner)
    {
        Errno = errno;
        HResult = -(int)errno;
    }

    public DirectIoException()
        : this(Errno.EIO, "I/O error")
    {
    }

    public DirectIoException(string message)
        : this(Errno.EIO, message)
    {
    }

    public DirectIoException(string message, Exception innerException)
        : this(Errno.EIO, message, innerException)
    {
    }

    public Errno Errno { get; }

    /// <summary>Bytes transferred before the failure, where the request did any.</summary>
    public long BytesTransferred { get; init; }
}
