// Follows fio's stat.c (add_log_sample, __add_stat_to_log) and iolog.c (flush_samples) in meaning, not in code.
using System.Diagnostics;
using System.Globalization;
using PinIo.Cli.Stats;

namespace PinIo.Cli.Logs;

/// <summary>
/// One log of one job (fio's io_log), written as fio's flush_samples writes it, a line per
/// entry: <c>time, value, ddir, bs, prio</c>, with the I/O's offset before prio under log_offset
/// and, with log_max_value=2, a window's maximum after the value. Time is in ms since the
/// job's logs started, ddir 0 for reads and 1 for writes, and prio the I/O's priority: with
/// log_prio its ioprio value in hex (0x6000), else 1 for a realtime-class I/O and 0 otherwise
/// (a window's line has none, 0). With log_avg_msec each direction's entries gather in a window, and the entry
/// that arrives log_avg_msec after the window began closes it: one line of the window's mean
/// (or maximum), stamped with that entry's time, with bs and offset 0; <see cref="Finish"/>
/// closes the windows still open.
/// </summary>
/// <remarks>
/// Lines are formatted as entries arrive into one buffer made up front and appended to the
/// file whenever the buffer fills and at <see cref="Finish"/>, so memory stays the same however
/// long the job runs and nothing is allocated per entry. The job thread alone uses a log. A
/// write that fails is kept in <see cref="Error"/> and ends the logging; the job goes on.
/// </remarks>
internal sealed class SampleLog
{
    /// <summary>fio's LOG_MSEC_SLACK: a window logged off the I/O path may close this much early.</summary>
    private const int OffPathSlackMs = 1;

    private const int BufferBytes = 64 * 1024;

    /// <summary>Seven numbers of at most 20 characters, six separators and the newline.</summary>
    private const int MaxLineBytes = (7 * 20) + (6 * 2) + 1;

    private readonly LogFile _file;
    private readonly string _option;
    private readonly int _avgMs;
    private readonly int _slackMs;
    private readonly WindowValue _windowValue;
    private readonly bool _offsets;
    private readonly bool _prioValues;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private readonly Window[] _windows = new Window[IoDirs.Count];
    private int _used;

    /// <param name="file">Where the lines go.</param>
    /// <param name="option">The option that asked for the log (write_lat_log), for <see cref="Error"/>.</param>
    /// <param name="plan">The job's log options.</param>
    /// <param name="offPath">
    /// Whether entries are made off the I/O path (fio's bandwidth and IOPS samples): a window
    /// may then close <see cref="OffPathSlackMs"/> early, as fio's does.
    /// </param>
    public SampleLog(LogFile file, string option, LogPlan plan, bool offPath)
    {
        _file = file;
        _option = option;
        _avgMs = plan.AvgMsec;
        _slackMs = offPath ? OffPathSlackMs : 0;
        _windowValue = plan.WindowValue;
        _offsets = plan.Offsets;
        _prioValues = plan.Prio;
    }

    /// <summary>The first failed write, wrapped with the option and file; null while all is well.</summary>
    public IOException? Error { get; private set; }

    /// <summary>Logs one entry: a line now, or with log_avg_msec a part of the direction's window.</summary>
    public void Add(long timeMs, long value, IoDir dir, long blockSize, long offset, ushort ioprio = 0)
    {
        if (_avgMs == 0)
        {
            WriteLine(timeMs, value, 0, dir, blockSize, offset, ioprio);
            return;
        }
        ref Window window = ref _windows[(int)dir];
        window.Add(value);
        if (timeMs < window.StartMs || timeMs - window.StartMs < _avgMs - _slackMs)
        {
            return;
        }
        Close(ref window, dir, timeMs);
        // The next window starts at the boundary this one crossed, so lines stay near multiples of log_avg_msec.
        window.StartMs = timeMs - (timeMs % _avgMs);
    }

    /// <summary>Closes the open windows at <paramref name="timeMs"/> and writes out what is buffered (fio's finalize_logs and flush_log).</summary>
    public void Finish(long timeMs)
    {
        for (int d = 0; d < _windows.Length; d++)
        {
            Close(ref _windows[d], (IoDir)d, timeMs);
        }
        Flush();
    }

    private void Close(ref Window window, IoDir dir, long timeMs)
    {
        if (window.Count == 0)
        {
            return;
        }
        // fio rounds the mean half up.
        long mean = (long)(((double)window.Sum / window.Count) + 0.5);
        long value = _windowValue == WindowValue.Max ? window.Max : mean;
        WriteLine(timeMs, value, window.Max, dir, 0, 0, 0);
        window = window with { Count = 0, Sum = 0, Max = 0 };
    }

    private void WriteLine(long timeMs, long value, long max, IoDir dir, long blockSize, long offset, ushort ioprio)
    {
        if (Error is not null)
        {
            return;
        }
        if (_used + MaxLineBytes > _buffer.Length)
        {
            Flush();
        }
        Put(timeMs);
        PutField(value);
        if (_windowValue == WindowValue.MeanAndMax)
        {
            // fio writes the column on every line of such a log: 0 on a line of one I/O.
            PutField(max);
        }
        PutField((long)dir);
        PutField(blockSize);
        if (_offsets)
        {
            PutField(offset);
        }
        PutPrio(ioprio);
        _buffer[_used++] = (byte)'\n';
    }

    /// <summary>fio's flush_samples: ", 0x%04x" under log_prio, else ", 1" for the realtime class (IOPRIO_CLASS_RT, 1) and ", 0".</summary>
    private void PutPrio(ushort ioprio)
    {
        if (!_prioValues)
        {
            PutField(ioprio >> 13 == 1 ? 1 : 0);
            return;
        }
        ", 0x"u8.CopyTo(_buffer.AsSpan(_used));
        _used += 4;
        bool fitted = ioprio.TryFormat(_buffer.AsSpan(_used), out int written, "x4", CultureInfo.InvariantCulture);
        Debug.Assert(fitted, "a log line outgrew MaxLineBytes");
        _used += written;
    }

    private void PutField(long number)
    {
        _buffer[_used++] = (byte)',';
        _buffer[_used++] = (byte)' ';
        Put(number);
    }

    private void Put(long number)
    {
        bool fitted = number.TryFormat(_buffer.AsSpan(_used), out int written, default, CultureInfo.InvariantCulture);
        Debug.Assert(fitted, "a log line outgrew MaxLineBytes");
        _used += written;
    }

    private void Flush()
    {
        if (_used == 0 || Error is not null)
        {
            return;
        }
        try
        {
            _file.Append(_buffer.AsSpan(0, _used));
        }
        catch (IOException e)
        {
            Error = new IOException($"{_option}: cannot write {_file.Path}: {e.Message}", e);
        }
        _used = 0;
    }

    /// <summary>The entries of one direction since its window began.</summary>
    private record struct Window(long Count, long Sum, long Max, long StartMs)
    {
        public void Add(long value)
        {
            Count++;
            Sum += value;
            Max = Math.Max(Max, value);
        }
    }
}
