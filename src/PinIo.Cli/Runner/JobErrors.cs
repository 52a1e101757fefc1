// Follows fio's td_error.c (td_non_fatal_error, update_error_count) and io_u.c (__io_u_log_error) in meaning.
using PinIo.Cli.Jobs;
using PinIo.Cli.Options;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Runner;

/// <summary>
/// The errors a job goes on past: continue_on_error's kinds (read, write, verify), each with
/// ignore_error's errnos for it or fio's non-fatal EIO and EILSEQ; counted (fio's total_err)
/// with the first kept (first_error), and printed unless error_dump=0. fill_device's ENOSPC on
/// a write is the end of the device, not an error. Job thread only.
/// </summary>
internal sealed class JobErrors(JobPlan plan)
{
    private readonly ErrorTypes _continue = plan.Get(Opt.ContinueOnError) | (plan.Get(Opt.IgnoreError)?.Types ?? ErrorTypes.None);
    private readonly IgnoredErrors _ignored = plan.Get(Opt.IgnoreError) ?? new IgnoredErrors(null, null, null);
    private readonly bool _dump = plan.Get(Opt.ErrorDump);
    private readonly bool _fill = plan.Get(Opt.FillDevice);
    private readonly string _filename = plan.Target.Filename;

    /// <summary>Whether continue_on_error (or ignore_error) is on: the reports then add total_err and first_error, as fio's do.</summary>
    public bool Continues => _continue != ErrorTypes.None;

    /// <summary>Errors the job went on past (fio's total_err).</summary>
    public long Total { get; private set; }

    /// <summary>The errno of the first of them (fio's first_error), 0 while there is none.</summary>
    public int First { get; private set; }

    /// <summary>The first of them, as printed.</summary>
    public string? FirstText { get; private set; }

    /// <summary>fill_device: a write found the device full (ENOSPC); the main phase issues no more.</summary>
    public bool Filled { get; private set; }

    /// <summary>
    /// Whether the job goes on past <paramref name="error"/>, which ended the I/O of
    /// <paramref name="slot"/>: counted when continue_on_error covers it; fill_device's ENOSPC
    /// ends the writing instead (the write counted in <paramref name="stats"/> as issued). False: the job fails with it.
    /// </summary>
    public bool Absorb(IoSlot slot, Exception error, JobStats stats)
    {
        int errno = error is DirectIoException d ? (int)d.Errno : (int)Errno.EIO;
        if (_fill && slot.Dir != IoDir.Read && errno == (int)Errno.ENOSPC)
        {
            Filled = true;
            // fio counts the write that found the device full among those issued (total_ios), with no bytes.
            stats[slot.Dir].CountIssuedWithoutData();
            return true;
        }
        ErrorTypes type = slot.Dir == IoDir.Read ? ErrorTypes.Read : ErrorTypes.Write;
        if (!Tolerates(type, errno))
        {
            return false;
        }
        Count(errno, FormattableString.Invariant($"io_u error on file {_filename}: {error.Message}: {(slot.Dir == IoDir.Read ? "read" : slot.Dir == IoDir.Trim ? "trim" : "write")} offset={slot.Offset}, buflen={slot.Length}"));
        return true;
    }

    /// <summary>A block failed verification: counted when continue_on_error covers verify errors (EILSEQ).</summary>
    public void VerifyFailed(string message)
    {
        if (Tolerates(ErrorTypes.Verify, IgnoredErrors.EilSeq))
        {
            Count(IgnoredErrors.EilSeq, message);
        }
    }

    private bool Tolerates(ErrorTypes type, int errno) => (_continue & type) != 0 && Array.IndexOf(_ignored.For(type), errno) >= 0;

    private void Count(int errno, string text)
    {
        if (Total++ == 0)
        {
            First = errno;
            FirstText = text;
        }
        if (_dump)
        {
            Console.Error.WriteLine($"pinio: {text}");
        }
    }
}
