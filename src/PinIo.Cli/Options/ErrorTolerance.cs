// Follows fio's td_error.h / td_error.c (error types, the non-fatal errors) in meaning.
namespace PinIo.Cli.Options;

/// <summary>fio's continue_on_error: the kinds of error a job goes on past.</summary>
[Flags]
internal enum ErrorTypes
{
    None = 0,
    Read = 1,
    Write = 2,
    Verify = 4,
    Io = Read | Write,
    All = Read | Write | Verify,
}

/// <summary>
/// fio's ignore_error=READ,WRITE,VERIFY: per kind of error the errnos a job goes on past (each
/// list colon-separated, of names or numbers); a kind left empty keeps fio's non-fatal ones,
/// EIO and EILSEQ. Listing errors for a kind also continues on it, as fio's does.
/// </summary>
internal sealed record IgnoredErrors(int[]? Read, int[]? Write, int[]? Verify)
{
    /// <summary>fio's __NON_FATAL_ERR: what continue_on_error goes on past when ignore_error names nothing.</summary>
    public static readonly int[] NonFatal = [(int)Errno.EIO, EilSeq];

    public const int EilSeq = 84;

    public ErrorTypes Types => (Read is null ? 0 : ErrorTypes.Read) | (Write is null ? 0 : ErrorTypes.Write) | (Verify is null ? 0 : ErrorTypes.Verify);

    public int[] For(ErrorTypes type) => (type switch
    {
        ErrorTypes.Read => Read,
        ErrorTypes.Write => Write,
        _ => Verify,
    }) ?? NonFatal;
}
