// Follows fio's options.c (str_ignore_error_cb) and lib/strntol / str2error in meaning.
using System.Globalization;

namespace PinIo.Cli.Options;

internal static partial class ValueParsers
{
    /// <summary>errno names that ignore_error takes beyond <see cref="Errno"/>'s.</summary>
    private static readonly Dictionary<string, int> s_moreErrnos = new(StringComparer.OrdinalIgnoreCase)
    {
        ["EILSEQ"] = IgnoredErrors.EilSeq,
        ["ENODATA"] = 61,
        ["ENOLINK"] = 67,
        ["EBADMSG"] = 74,
        ["ETIMEDOUT"] = 110,
        ["EREMOTEIO"] = 121,
        ["ENOTSUP"] = 95,
        ["EWOULDBLOCK"] = 11,
        ["ESRCH"] = 3,
        ["E2BIG"] = 7,
        ["ENOEXEC"] = 8,
        ["ECHILD"] = 10,
        ["EXDEV"] = 18,
        ["ETXTBSY"] = 26,
        ["ESPIPE"] = 29,
        ["EMLINK"] = 31,
        ["EPIPE"] = 32,
        ["EDOM"] = 33,
        ["ERANGE"] = 34,
        ["EDEADLK"] = 35,
        ["ENOLCK"] = 37,
        ["ENOTEMPTY"] = 39,
    };

    /// <summary>ignore_error=READ,WRITE,VERIFY: up to three comma-separated lists of errnos (ENOSPC or 28), each colon-separated.</summary>
    public static IgnoredErrors ParseIgnoredErrors(string text)
    {
        string[] kinds = text.Split(',');
        if (kinds.Length > 3)
        {
            throw new FormatException($"'{text}' has {kinds.Length} lists; ignore_error takes READ,WRITE,VERIFY lists of errors (EIO:ENOSPC or numbers)");
        }
        var lists = new int[]?[3];
        for (int k = 0; k < kinds.Length; k++)
        {
            string[] names = kinds[k].Split(':', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            lists[k] = names.Length == 0 ? null : [.. names.Select(ParseErrno)];
        }
        return new IgnoredErrors(lists[0], lists[1], lists[2]);
    }

    /// <summary>An errno by name (ENOSPC) or number (28, 0x1c).</summary>
    public static int ParseErrno(string text)
    {
        if (Enum.TryParse(text, ignoreCase: true, out Errno named) && !int.TryParse(text, out _) && named != Errno.None)
        {
            return (int)named;
        }
        if (s_moreErrnos.TryGetValue(text, out int more))
        {
            return more;
        }
        long number = char.IsAsciiDigit(text.FirstOrDefault()) ? ParseInt(text) : throw new FormatException($"'{text}' is not an errno name (EIO, ENOSPC...) or number");
        return number is > 0 and < 4096 ? (int)number : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{number} is not an errno (1 to 4095)"));
    }
}
