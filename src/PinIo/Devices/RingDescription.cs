// Follows io_uring/fdinfo.c (io_uring_show_fdinfo: a ring described in words, for diagnostics).
using System.Text;
using PinIo.Linux;
using PinIo.Mm;

namespace PinIo.Devices;

/// <summary>An io_uring device's ring in one line: the setup flags in force, what is registered, and why anything is missing.</summary>
internal static class RingDescription
{
    private static readonly (uint Flag, string Name)[] s_flags =
    [
        (Interop.IORING_SETUP_SQPOLL, "SQPOLL"),
        (Interop.IORING_SETUP_IOPOLL, "IOPOLL"),
        (Interop.IORING_SETUP_SINGLE_ISSUER, "SINGLE_ISSUER"),
        (Interop.IORING_SETUP_DEFER_TASKRUN, "DEFER_TASKRUN"),
        (Interop.IORING_SETUP_COOP_TASKRUN, "COOP_TASKRUN"),
        (Interop.IORING_SETUP_TASKRUN_FLAG, "TASKRUN_FLAG"),
        (Interop.IORING_SETUP_NO_SQARRAY, "NO_SQARRAY"),
    ];

    public static string Of(IoUringRing? ring, bool fileRegistered, long poolBytes, PagePool? pool, IReadOnlyList<string> notes)
    {
        if (ring is null)
        {
            return "io_uring: closed";
        }
        var text = new StringBuilder("io_uring ");
        text.Append(string.Join('|', s_flags.Where(f => (ring.SetupFlags & f.Flag) != 0).Select(f => f.Name)));
        text.Append(ring.IsRingFdRegistered ? "; ring fd registered" : "");
        text.Append(fileRegistered ? "; file registered" : "");
        if (poolBytes > 0 && pool is not null)
        {
            text.Append($"; {poolBytes >> 20} MiB buffer pool registered ({pool.BackingDescription})");
        }
        foreach (string note in notes)
        {
            text.Append("; ").Append(note);
        }
        return text.ToString();
    }
}
