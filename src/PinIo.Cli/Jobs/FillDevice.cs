// Follows fio's fill_device (filesetup.c: the size lifted, ENOSPC the end) in meaning.
using PinIo.Cli.Options;

namespace PinIo.Cli.Jobs;

/// <summary>
/// fill_device=1: the region is the rest of the target from offset=, whatever size= says. A
/// block device or RAM disk has its size; a file may grow by its file system's free space and
/// a MiB more, written without a reservation until a write meets ENOSPC, which ends the job's
/// writing without an error (see Runner/JobErrors), as fio's does. The region only bounds the
/// job's bookkeeping (the verify log); the file system decides where the writing ends.
/// </summary>
internal static class FillDevice
{
    private const long Mib = 1 << 20;

    /// <summary>The bytes a fill_device job's file is to have: its size now plus the free space of its file system.</summary>
    public static long FileBytes(string jobName, string filename)
    {
        string full = Path.GetFullPath(filename);
        long existing = File.Exists(full) ? new FileInfo(full).Length : 0;
        long free;
        try
        {
            free = new DriveInfo(Path.GetDirectoryName(full) ?? "/").AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new OptionException($"pinio: job '{jobName}': fill_device: cannot read the free space of {filename}'s file system ({e.Message}): give size= instead");
        }
        return existing + ((free / Mib) + 2) * Mib;
    }

    /// <summary>Whether the job fills its target: size= is then lifted to the target's end.</summary>
    public static bool Wanted(JobOptions o) => o.Get(Opt.FillDevice);
}
