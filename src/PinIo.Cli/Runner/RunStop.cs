// Follows fio's backend.c (sig_int: SIGINT and SIGTERM stop every job, the report of what ran is printed, exit 128) in meaning, not in code.
using System.Runtime.InteropServices;

namespace PinIo.Cli.Runner;

/// <summary>
/// What stops a run early: SIGINT (Ctrl-C) or SIGTERM, as fio's <c>sig_int</c> handles both.
/// The first signal cancels <see cref="Token"/>: every job stops issuing, waits for what it
/// has in flight (memory under I/O is never abandoned) and reports what it did; the process
/// then exits with <see cref="ExitStatus"/>, 128, as fio does. A second signal is left to its
/// default action, so a run that does not stop can still be killed from the keyboard.
/// <see cref="Request"/> is the same stop without a signal, for tests.
/// </summary>
internal sealed class RunStop : IDisposable
{
    /// <summary>fio's exit status after a SIGINT or SIGTERM.</summary>
    public const int ExitStatus = 128;

    private const int SigInt = 2;
    private const int SigTerm = 15;

    private readonly CancellationTokenSource _cancel = new();
    private readonly TextWriter? _notice;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signal;

    private RunStop(TextWriter? notice)
    {
        _notice = notice;
    }

    public CancellationToken Token => _cancel.Token;

    /// <summary>The signal that stopped the run (2 for SIGINT, 15 for SIGTERM), or null.</summary>
    public int? Signal => Volatile.Read(ref _signal) is int signal and not 0 ? signal : null;

    /// <summary>Stops the run on SIGINT or SIGTERM, saying so on <paramref name="notice"/> (fio's "terminating on signal N").</summary>
    public static RunStop OnSignals(TextWriter notice)
    {
        var stop = new RunStop(notice);
        stop.Register(PosixSignal.SIGINT, SigInt);
        stop.Register(PosixSignal.SIGTERM, SigTerm);
        return stop;
    }

    /// <summary>A stop that only <see cref="Request"/> triggers.</summary>
    public static RunStop Manual() => new(notice: null);

    /// <summary>Stops the run as signal <paramref name="signal"/> would. False when it was already stopped.</summary>
    public bool Request(int signal)
    {
        if (Interlocked.CompareExchange(ref _signal, signal, 0) != 0)
        {
            return false;
        }
        _notice?.WriteLine($"pinio: terminating on signal {signal}");
        _cancel.Cancel();
        return true;
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
        _cancel.Dispose();
    }

    private void Register(PosixSignal posix, int number) =>
        _registrations.Add(PosixSignalRegistration.Create(posix, context =>
        {
            // The first signal stops the run gracefully; a later one takes its default action.
            context.Cancel = Request(number);
        }));
}
