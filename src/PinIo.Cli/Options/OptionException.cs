namespace PinIo.Cli.Options;

/// <summary>
/// A job option pinio cannot accept: an unknown name or a value that does not parse. The
/// message is what fio would print, with pinio's name in front ("pinio: failed parsing
/// bs=4q: ..."), and is meant to be shown as it is; the exit status is 1.
/// </summary>
internal sealed class OptionException : Exception
{
    public OptionException(string message)
        : base(message)
    {
    }

    public OptionException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public OptionException()
    {
    }
}
